// `condense miner` end to end, in process: a wallet file on disk, the loopback chain
// stand-in, the real backend with the test compressor and local store, the real axon.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';
import { silentLogger } from '@neural-condense/sdk';
import { loadConfig } from '../../src/config/index.js';
import { runMiner, type RunningMiner } from '../../src/miner/run-miner.js';
import { NotRegisteredError } from '../../src/miner/chain/errors.js';
import type { DevnetServer } from '../../src/miner/devnet/devnet-server.js';
import { startDevnet } from '../helpers/chain-devnet.js';
import { TEST_COMPRESSOR, makeContext } from '../helpers/backend.js';
import { signRequest } from '../helpers/dendrite-signer.js';
import { numpyLoad } from '../helpers/python.js';
import { freeLoopbackPort } from '@neural-condense/sdk/testing';

const NETUID = 47;
const MODEL = 'mistralai/Mistral-7B-Instruct-v0.2';
let dir: string;
let devnet: DevnetServer;
let miner: RunningMiner;
let minerKey: KeyringPair;
let validator: KeyringPair;
let lowStake: KeyringPair;

async function writeConfig(walletName: string): Promise<string> {
  const file = join(dir, `${walletName}.yaml`);
  await writeFile(
    file,
    stringify({
      compressor: { plugin: TEST_COMPRESSOR },
      cacheDir: join(dir, 'cache'),
      backend: { host: '127.0.0.1', port: 0 },
      artifacts: { gcIntervalSeconds: 0 },
      log: { level: 'silent' },
      miner: {
        netuid: NETUID,
        subtensor: { network: 'local', chainEndpoint: devnet.url, callTimeoutMs: 5_000 },
        wallet: { path: join(dir, 'wallets'), name: walletName, hotkey: 'default' },
        axon: { host: '127.0.0.1', port: await freeLoopbackPort(), externalIp: '203.0.113.9', externalPort: 8091 },
      },
    }),
  );
  return file;
}

// A hotkey file as btcli writes it (spec §5): the mnemonic plus the public fields.
async function writeHotkey(walletName: string, mnemonic: string, pair: KeyringPair): Promise<void> {
  const folder = join(dir, 'wallets', walletName, 'hotkeys');
  await mkdir(folder, { recursive: true });
  const pub = u8aToHex(pair.publicKey);
  await writeFile(join(folder, 'default'), JSON.stringify({ secretPhrase: mnemonic, publicKey: pub, accountId: pub, ss58Address: pair.address }));
}

async function post(req: ReturnType<typeof signRequest>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${miner.axonPort}${req.path}`, { method: 'POST', headers: req.headers, body: req.body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  await cryptoWaitReady();
  dir = await mkdtemp(join(tmpdir(), 'nc-miner-e2e-'));
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const mnemonic = mnemonicGenerate();
  minerKey = keyring.addFromMnemonic(mnemonic);
  validator = keyring.addFromUri('//Alice');
  lowStake = keyring.addFromUri('//Bob');
  devnet = await startDevnet({ shape: 'post-dtao' });
  devnet.state.registerNeuron(NETUID, { hotkey: validator.address, stakeTao: 20_000 });
  devnet.state.registerNeuron(NETUID, { hotkey: lowStake.address, stakeTao: 50 });
  devnet.state.registerNeuron(NETUID, { hotkey: minerKey.address, stakeTao: 0 });
  await writeHotkey('miner', mnemonic, minerKey);
  miner = await runMiner(await loadConfig({ file: await writeConfig('miner'), env: {} }), { logger: silentLogger });
});

afterAll(async () => {
  await miner?.close();
  await devnet?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('condense miner against the loopback chain', () => {
  it('loads the wallet, finds its uid and posts its axon with serve_axon', () => {
    expect(miner.hotkey).toBe(minerKey.address);
    expect(miner.uid).toBe(2);
    expect(miner.served?.kind).toBe('served');
    // 203.0.113.9 = 203*2^24 + 113*2^8 + 9
    expect(devnet.state.served).toEqual([
      { signer: minerKey.address, block: expect.any(Number), netuid: NETUID, version: 9_000_000, ip: 3405803785n, port: 8091, ipType: 4, protocol: 4, placeholder1: 0, placeholder2: 0 },
    ]);
    expect(miner.metagraph.current().stakes).toEqual([20_000, 50, 0]);
  });

  it('answers a signed TextCompressProtocol from a staked validator with a .npy URL that loads', async () => {
    const { status, body } = await post(
      signRequest(validator, { name: 'TextCompressProtocol', fields: { context: makeContext(3_000, 3), target_model: MODEL }, axonHotkey: minerKey.address, timeout: 32 }),
    );
    expect(status).toBe(200);
    const url = body.compressed_kv_url as string;
    expect(url).toMatch(/^https?:\/\/.*\.npy$/);
    const download = await fetch(url);
    expect(download.status).toBe(200);
    const file = join(dir, 'downloaded.npy');
    await writeFile(file, Buffer.from(await download.arrayBuffer()));
    const loaded = await numpyLoad(file);
    // The test compressor's cache: 2 layers, K and V, batch 1, 2 kv heads, tokens, head_dim 16.
    expect(loaded.shape.slice(0, 4)).toEqual([2, 2, 1, 2]);
    expect(loaded.shape[5]).toBe(16);
    expect(loaded.shape[4]).toBeGreaterThanOrEqual(128);
    expect(loaded.shape[4]).toBeLessThanOrEqual(1024);
  });

  it('answers Metadata with the tier, and refuses a caller whose on-chain stake is below the minimum', async () => {
    const meta = await post(signRequest(validator, { name: 'Metadata', axonHotkey: minerKey.address, timeout: 16 }));
    expect(meta.status).toBe(200);
    expect(meta.body.metadata).toEqual({ tier: 'research' });

    const refused = await post(signRequest(lowStake, { name: 'TextCompressProtocol', fields: { context: 'x', target_model: MODEL }, axonHotkey: minerKey.address }));
    expect(refused.status).toBe(403);
  });

  it('does not post again on restart when the chain already has this axon', async () => {
    await miner.close();
    miner = await runMiner(await loadConfig({ file: join(dir, 'miner.yaml'), env: {} }), { logger: silentLogger });
    expect(miner.served?.kind).toBe('unchanged');
    expect(devnet.state.served).toHaveLength(1);
  });

  it('refuses to start with a hotkey that is not registered, naming the fix', async () => {
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    const mnemonic = mnemonicGenerate();
    await writeHotkey('stranger', mnemonic, keyring.addFromMnemonic(mnemonic));
    const start = runMiner(await loadConfig({ file: await writeConfig('stranger'), env: {} }), { logger: silentLogger });
    await expect(start).rejects.toBeInstanceOf(NotRegisteredError);
    await expect(start).rejects.toThrow(/btcli subnet register --netuid 47/);
  });
});
