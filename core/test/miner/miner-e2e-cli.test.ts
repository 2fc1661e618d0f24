// `condense devnet` and `condense miner` as real processes from core/dist: the miner reads
// a wallet file, checks registration, posts its axon and answers a signed validator.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';
import { silentLogger } from '@neural-condense/sdk';
import { ChainClient } from '../../src/miner/chain/chain-client.js';
import { signRequest } from '../helpers/dendrite-signer.js';
import { numpyLoad } from '../helpers/python.js';
import { freeLoopbackPort } from '@neural-condense/sdk/testing';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'core/dist/cli/main.js');
const plugin = fileURLToPath(new URL('../fixtures/plugins/tiny-compressor.mjs', import.meta.url));
const MODEL = 'mistralai/Mistral-7B-Instruct-v0.2';

let dir: string;
let devnet: ChildProcess;
let miner: ChildProcess | undefined;
let endpoint: string;
let axonPort: number;
let minerKey: KeyringPair;
let validator: KeyringPair;

/** Starts the CLI and resolves with the first stdout match (rejects if it exits first). */
function start(args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpMatchArray; output: () => string }> {
  const child = spawn(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, LOG_LEVEL: 'warn' } });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const match = ready.exec(out);
      if (match) resolve({ child, match, output: () => out });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`condense ${args[0]} exited with ${code} before it was ready:\n${out}`)));
  });
}

function exitCode(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}

beforeAll(async () => {
  if (!existsSync(cli)) await run('npx', ['tsc', '-b', 'core'], { cwd: root });
  await cryptoWaitReady();
  dir = await mkdtemp(join(tmpdir(), 'nc-miner-cli-'));
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const mnemonic = mnemonicGenerate();
  minerKey = keyring.addFromMnemonic(mnemonic);
  validator = keyring.addFromUri('//Alice');
  const hotkeys = join(dir, 'wallets', 'miner', 'hotkeys');
  await mkdir(hotkeys, { recursive: true });
  const pub = u8aToHex(minerKey.publicKey);
  await writeFile(join(hotkeys, 'default'), JSON.stringify({ secretPhrase: mnemonic, publicKey: pub, accountId: pub, ss58Address: minerKey.address }));
  await writeFile(
    join(dir, 'miner.yaml'),
    `compressor:\n  plugin: ${plugin}\n  options: { tokens: 200 }\ncacheDir: ${join(dir, 'cache')}\nbackend: { host: 127.0.0.1, port: 0 }\nartifacts: { gcIntervalSeconds: 0 }\nminer:\n  axon: { host: 127.0.0.1 }\n`,
  );
  const started = await start(['devnet', '--port', '0', '--block-time', '0', '--neuron', '//Alice:20000', '--neuron', `${minerKey.address}:0`], /condense devnet: (ws:\/\/\S+)/);
  devnet = started.child;
  endpoint = started.match[1]!;
  axonPort = await freeLoopbackPort();
}, 180_000);

afterAll(async () => {
  if (miner && miner.exitCode === null) await exitCode(miner, 'SIGKILL');
  if (devnet && devnet.exitCode === null) await exitCode(devnet, 'SIGTERM');
  await rm(dir, { recursive: true, force: true });
});

describe('condense miner as a process against condense devnet', () => {
  it('starts, posts its axon, answers TextCompressProtocol and Metadata, and stops on SIGTERM', async () => {
    const started = await start(
      [
        'miner',
        '--config', join(dir, 'miner.yaml'),
        '--netuid', '47',
        '--subtensor.chain_endpoint', endpoint,
        '--wallet.path', join(dir, 'wallets'),
        '--wallet.name', 'miner',
        '--wallet.hotkey', 'default',
        '--axon.port', String(axonPort),
        '--axon.external_ip', '127.0.0.1',
      ],
      /condense miner: uid (\d+), hotkey (\S+), axon on port (\d+), tier (\S+)/,
    );
    miner = started.child;
    expect(started.match.slice(1)).toEqual(['1', minerKey.address, String(axonPort), 'research']);

    const chain = await ChainClient.connect({ endpoint, callTimeoutMs: 5_000, logger: silentLogger });
    try {
      expect(await chain.axonOf(47, minerKey.address)).toMatchObject({ ip: 0x7f000001n, port: axonPort, ipType: 4, version: 9_000_000, protocol: 4 });
    } finally {
      await chain.close();
    }

    const send = async (req: ReturnType<typeof signRequest>) => {
      const res = await fetch(`http://127.0.0.1:${axonPort}${req.path}`, { method: 'POST', headers: req.headers, body: req.body });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const condensed = await send(signRequest(validator, { name: 'TextCompressProtocol', fields: { context: 'The validator asked about Paris. '.repeat(40), target_model: MODEL }, axonHotkey: minerKey.address, axonPort, timeout: 32 }));
    expect(condensed.status).toBe(200);
    const url = condensed.body.compressed_kv_url as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.*\.npy$/);
    const file = join(dir, 'got.npy');
    await writeFile(file, Buffer.from(await (await fetch(url)).arrayBuffer()));
    expect((await numpyLoad(file)).shape).toEqual([1, 2, 1, 1, 200, 16]);

    const meta = await send(signRequest(validator, { name: 'Metadata', axonHotkey: minerKey.address, axonPort, timeout: 16 }));
    expect(meta).toMatchObject({ status: 200, body: { metadata: { tier: 'research' } } });

    expect(await exitCode(miner, 'SIGTERM')).toBe(0);
  });

  it('exits with code 3 and the btcli hint when the hotkey is not registered', async () => {
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    const mnemonic = mnemonicGenerate();
    const stranger = keyring.addFromMnemonic(mnemonic);
    const hotkeys = join(dir, 'wallets', 'stranger', 'hotkeys');
    await mkdir(hotkeys, { recursive: true });
    await writeFile(join(hotkeys, 'default'), JSON.stringify({ secretPhrase: mnemonic, ss58Address: stranger.address }));
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [cli, 'miner', '--config', join(dir, 'miner.yaml'), '--subtensor.chain_endpoint', endpoint, '--wallet.path', join(dir, 'wallets'), '--wallet.name', 'stranger', '--axon.port', String(axonPort)],
        { cwd: root, env: { ...process.env, LOG_LEVEL: 'silent' } },
        (err, _stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`hotkey ${stranger.address} is not registered on netuid 47`);
  });
});
