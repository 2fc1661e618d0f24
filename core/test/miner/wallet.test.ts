import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, mnemonicGenerate, mnemonicToMiniSecret, signatureVerify } from '@polkadot/util-crypto';
import { loadColdkeyPub, loadHotkey } from '../../src/miner/wallet/index.js';

// Keyfiles are built here the way bittensor-wallet writes them (spec §5), independently of
// the loader: the canonical schnorrkel `privateKey` comes from the seed by the published
// ExpansionMode::Ed25519 recipe (sha512, clamp, divide by the cofactor), not from our code.
function canonicalSecretFromSeed(seed: Uint8Array): Uint8Array {
  const h = createHash('sha512').update(seed).digest();
  const key = Uint8Array.from(h.subarray(0, 32));
  key[0] &= 248;
  key[31] &= 63;
  key[31] |= 64;
  const scalar = new Uint8Array(32);
  // divide the little-endian clamped key by 8
  for (let i = 0; i < 32; i++) scalar[i] = (key[i] >> 3) | (i < 31 ? (key[i + 1] & 7) << 5 : 0);
  const out = new Uint8Array(64);
  out.set(scalar, 0);
  out.set(h.subarray(32, 64), 32);
  return out;
}

let dir: string;
let phrase: string;
let expectedAddress: string;
let publicKeyHex: string;

async function writeHotkey(name: string, hotkey: string, content: string | Buffer): Promise<void> {
  await mkdir(join(dir, name, 'hotkeys'), { recursive: true });
  await writeFile(join(dir, name, 'hotkeys', hotkey), content);
}

beforeAll(async () => {
  await cryptoWaitReady();
  dir = await mkdtemp(join(tmpdir(), 'nc-wallet-'));
  phrase = mnemonicGenerate(12);
  const pair = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(phrase);
  expectedAddress = pair.address;
  publicKeyHex = u8aToHex(pair.publicKey);
  const seed = mnemonicToMiniSecret(phrase);
  const common = { publicKey: publicKeyHex, accountId: publicKeyHex, ss58Address: expectedAddress };
  await writeHotkey('w', 'phrase', JSON.stringify({ ...common, secretPhrase: phrase, secretSeed: u8aToHex(seed) }));
  await writeHotkey('w', 'seed', JSON.stringify({ ...common, secretSeed: u8aToHex(seed) }));
  await writeHotkey('w', 'private', JSON.stringify({ ...common, privateKey: u8aToHex(canonicalSecretFromSeed(seed)) }));
  const other = new Keyring({ type: 'sr25519' }).addFromUri('//Bob');
  await writeHotkey('w', 'mismatch', JSON.stringify({ ...common, publicKey: u8aToHex(other.publicKey), accountId: undefined, ss58Address: undefined, secretSeed: u8aToHex(seed) }));
  await writeHotkey('w', 'private-mismatch', JSON.stringify({ publicKey: u8aToHex(other.publicKey), privateKey: u8aToHex(canonicalSecretFromSeed(seed)) }));
  await writeHotkey('w', 'nacl', Buffer.concat([Buffer.from('$NACL'), Buffer.alloc(40, 7)]));
  await writeHotkey('w', 'vault', '$ANSIBLE_VAULT;1.1;AES256\n6162');
  await writeHotkey('w', 'fernet', 'gAAAAABkxyz');
  await writeHotkey('w', 'pubonly', JSON.stringify(common));
  await writeFile(join(dir, 'w', 'coldkeypub.txt'), JSON.stringify({ accountId: publicKeyHex, publicKey: publicKeyHex, ss58Address: expectedAddress }));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadHotkey', () => {
  it.each(['phrase', 'seed', 'private'])('derives the same sr25519 key from the %s form', async (hotkey) => {
    const pair = await loadHotkey({ path: dir, name: 'w', hotkey });
    expect(pair.address).toBe(expectedAddress);
    // The pair signs what the public key verifies (the half-ed25519 conversion is right).
    const msg = new TextEncoder().encode('1.a.b.c.d');
    expect(signatureVerify(msg, pair.sign(msg), expectedAddress).isValid).toBe(true);
  });

  it('refuses a secret that does not derive the file’s public key', async () => {
    await expect(loadHotkey({ path: dir, name: 'w', hotkey: 'mismatch' })).rejects.toThrow(/not the publicKey/);
    await expect(loadHotkey({ path: dir, name: 'w', hotkey: 'private-mismatch' })).rejects.toThrow(/does not belong/);
  });

  it.each(['nacl', 'vault', 'fernet'])('explains that the %s-encrypted keyfile must be regenerated without a password', async (hotkey) => {
    await expect(loadHotkey({ path: dir, name: 'w', hotkey })).rejects.toThrow(/encrypted.*regen_hotkey/);
  });

  it('names the missing path and how to create the hotkey', async () => {
    const err = await loadHotkey({ path: dir, name: 'w', hotkey: 'nope' }).catch((e: Error) => e);
    expect(String(err)).toContain(join(dir, 'w', 'hotkeys', 'nope'));
    expect(String(err)).toContain('btcli wallet new_hotkey --wallet.name w --wallet.hotkey nope');
  });

  it('refuses a public-only hotkey file without echoing key material', async () => {
    const err = await loadHotkey({ path: dir, name: 'w', hotkey: 'pubonly' }).catch((e: Error) => e);
    expect(String(err)).toMatch(/holds no secret/);
    const leak = await loadHotkey({ path: dir, name: 'w', hotkey: 'private-mismatch' }).catch((e: Error) => e);
    expect(String(leak)).not.toContain(u8aToHex(canonicalSecretFromSeed(mnemonicToMiniSecret(phrase))).slice(2, 20));
  });

  it('expands ~ in the wallet path', async () => {
    const home = process.env.HOME;
    process.env.HOME = dir;
    try {
      const pair = await loadHotkey({ path: '~', name: 'w', hotkey: 'seed' });
      expect(pair.address).toBe(expectedAddress);
    } finally {
      process.env.HOME = home;
    }
  });
});

describe('loadColdkeyPub', () => {
  it('reads the ss58 address of coldkeypub.txt', async () => {
    expect(await loadColdkeyPub({ path: dir, name: 'w' })).toBe(expectedAddress);
  });
});
