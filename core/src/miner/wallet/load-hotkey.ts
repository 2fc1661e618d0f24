import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { hexToU8a, isHex, u8aEq, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, decodeAddress, mnemonicValidate, sr25519Sign, sr25519Verify } from '@polkadot/util-crypto';
import { ConfigError } from '@neural-condense/sdk';
import { readKeyfile, type KeyfileData } from './keyfile.js';
import { hotkeyFile } from './paths.js';
import { canonicalToHalfEd25519 } from './schnorrkel.js';

/** Where a bittensor wallet lives: `<path>/<name>/hotkeys/<hotkey>`. */
export interface WalletLocation {
  /** Wallets folder, `~` expanded (default `~/.bittensor/wallets`). */
  path: string;
  /** Wallet name (`--wallet.name`). */
  name: string;
  /** Hotkey name (`--wallet.hotkey`). */
  hotkey: string;
}

/** Reads an unencrypted bittensor hotkey file and returns its sr25519 pair (ss58 prefix 42). */
export async function loadHotkey(location: WalletLocation): Promise<KeyringPair> {
  const file = hotkeyFile(location.path, location.name, location.hotkey);
  const fix =
    `Create it with: btcli wallet new_hotkey --wallet.name ${location.name} --wallet.hotkey ${location.hotkey} ` +
    `(or restore it with btcli wallet regen_hotkey), or point --wallet.path/--wallet.name/--wallet.hotkey at an existing one.`;
  const data = await readKeyfile(file, 'hotkey', fix);
  return pairFromKeyfile(data, file);
}

function hexBytes(value: string, bytes: number, field: string, file: string): Uint8Array {
  if (!isHex(value) || (value.length - 2) / 2 !== bytes) throw new ConfigError('miner.wallet', `${file}: ${field} must be 0x + ${bytes * 2} hex digits`);
  return hexToU8a(value);
}

/** The public key a keyfile claims (publicKey, accountId or ss58Address), if any. */
function claimedPublicKey(data: KeyfileData, file: string): Uint8Array | undefined {
  if (data.publicKey) return hexBytes(data.publicKey, 32, 'publicKey', file);
  if (data.accountId) return hexBytes(data.accountId, 32, 'accountId', file);
  if (data.ss58Address) {
    try {
      return decodeAddress(data.ss58Address);
    } catch {
      throw new ConfigError('miner.wallet', `${file}: ss58Address is not a valid address`);
    }
  }
  return undefined;
}

/**
 * Builds the pair from a keyfile's JSON in bittensor-wallet's precedence: secretPhrase,
 * secretSeed, privateKey. The derived public key must equal the one the file claims.
 */
export async function pairFromKeyfile(data: KeyfileData, file: string): Promise<KeyringPair> {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const claimed = claimedPublicKey(data, file);
  let pair: KeyringPair;
  if (data.secretPhrase) {
    if (!mnemonicValidate(data.secretPhrase)) throw new ConfigError('miner.wallet', `${file}: secretPhrase is not a valid BIP39 mnemonic`);
    pair = keyring.addFromMnemonic(data.secretPhrase);
  } else if (data.secretSeed) {
    pair = keyring.addFromSeed(hexBytes(data.secretSeed, 32, 'secretSeed', file));
  } else if (data.privateKey) {
    if (!claimed) throw new ConfigError('miner.wallet', `${file}: privateKey without publicKey/ss58Address; cannot check the key`);
    const secretKey = canonicalToHalfEd25519(hexBytes(data.privateKey, 64, 'privateKey', file));
    // The secret alone does not reveal which public key it belongs to without curve math;
    // a signature that verifies under the claimed key proves they match.
    const probe = new TextEncoder().encode('neural-condense keyfile check');
    if (!sr25519Verify(probe, sr25519Sign(probe, { publicKey: claimed, secretKey }), claimed)) {
      throw new ConfigError('miner.wallet', `${file}: privateKey does not belong to publicKey ${u8aToHex(claimed)}`);
    }
    pair = keyring.addFromPair({ publicKey: claimed, secretKey });
  } else {
    throw new ConfigError('miner.wallet', `${file} holds no secret (only a public key); a hotkey file needs secretPhrase, secretSeed or privateKey`);
  }
  if (claimed && !u8aEq(pair.publicKey, claimed)) {
    throw new ConfigError('miner.wallet', `${file}: the secret derives ${pair.address}, not the publicKey the file names`);
  }
  return pair;
}
