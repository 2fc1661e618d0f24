import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KeyringPair } from '@polkadot/keyring/types';
import { silentLogger } from '@neural-condense/sdk';
import { ChainError, NotRegisteredError } from '../../src/miner/chain/errors.js';
import { AxonPublisher } from '../../src/miner/chain/axon-publisher.js';
import { MetagraphSync } from '../../src/miner/chain/metagraph-sync.js';
import type { ChainClient } from '../../src/miner/chain/chain-client.js';
import type { DevnetServer } from '../../src/miner/devnet/devnet-server.js';
import { connectClient, devKeys, startDevnet } from '../helpers/chain-devnet.js';

const NETUID = 47;
let alice: KeyringPair, bob: KeyringPair, charlie: KeyringPair, dave: KeyringPair;
let devnet: DevnetServer | undefined;
let client: ChainClient | undefined;

beforeAll(async () => {
  [alice, bob, charlie, dave] = (await devKeys('//Alice', '//Bob', '//Charlie', '//Dave')) as [KeyringPair, KeyringPair, KeyringPair, KeyringPair];
});

afterEach(async () => {
  await client?.close();
  await devnet?.stop();
  client = undefined;
  devnet = undefined;
});

describe.each(['pre-dtao', 'post-dtao'] as const)('chain client on %s metadata', (shape) => {
  it('reads registration, hotkeys by uid, stake in TAO and permits', async () => {
    devnet = await startDevnet({ shape });
    devnet.state.registerNeuron(NETUID, { hotkey: alice.address, stakeTao: 12_345.5 });
    devnet.state.registerNeuron(NETUID, { hotkey: bob.address, stakeTao: 0 });
    devnet.state.registerNeuron(NETUID, { hotkey: charlie.address, stakeTao: 0.000000001, validatorPermit: false });
    devnet.state.advanceBlocks(3);
    client = await connectClient(devnet);

    expect(client.stakeSource).toBe(shape);
    expect(await client.requireRegistered(NETUID, bob.address)).toBe(1);
    await expect(client.requireRegistered(NETUID, dave.address)).rejects.toBeInstanceOf(NotRegisteredError);
    await expect(client.requireRegistered(NETUID, dave.address)).rejects.toThrow(/not registered on netuid 47.*btcli subnet register/);
    await expect(client.requireRegistered(3, alice.address)).rejects.toThrow(/netuid 3/);

    const metagraph = await client.readMetagraph(NETUID);
    expect(metagraph).toEqual({
      netuid: NETUID,
      block: 4,
      hotkeys: [alice.address, bob.address, charlie.address],
      stakes: [12_345.5, 0, 1e-9],
      validatorPermits: [true, false, false],
    });
  });

  it('posts serve_axon signed by the hotkey, with the spec integers, and skips when the chain already matches', async () => {
    devnet = await startDevnet({ shape });
    devnet.state.registerNeuron(NETUID, { hotkey: alice.address, stakeTao: 1 });
    client = await connectClient(devnet);
    const publisher = new AxonPublisher({ chain: client, netuid: NETUID, hotkey: alice, target: { ip: '203.0.113.7', port: 8091, version: 9_000_000 }, logger: silentLogger });

    const first = await publisher.publish();
    expect(first.kind).toBe('served');
    expect(devnet.state.served).toEqual([
      // 203.0.113.7 = 203*2^24 + 0*2^16 + 113*2^8 + 7
      { signer: alice.address, block: 2, netuid: NETUID, version: 9_000_000, ip: 3405803783n, port: 8091, ipType: 4, protocol: 4, placeholder1: 0, placeholder2: 0 },
    ]);
    expect(await client.axonOf(NETUID, alice.address)).toEqual({ block: 2, version: 9_000_000, ip: 3405803783n, port: 8091, ipType: 4, protocol: 4 });

    expect((await publisher.publish()).kind).toBe('unchanged');
    expect(devnet.state.served).toHaveLength(1);
  });
});

describe('serve_axon rules', () => {
  it('waits out ServingRateLimit instead of sending a doomed extrinsic, then serves', async () => {
    devnet = await startDevnet({ shape: 'post-dtao', servingRateLimit: 10 });
    devnet.state.registerNeuron(NETUID, { hotkey: alice.address, stakeTao: 1 });
    client = await connectClient(devnet);
    const target = { ip: '203.0.113.7', port: 8091, version: 9_000_000 };
    await new AxonPublisher({ chain: client, netuid: NETUID, hotkey: alice, target, logger: silentLogger }).publish();
    const servedAt = devnet.state.served[0]!.block;

    const moved = new AxonPublisher({ chain: client, netuid: NETUID, hotkey: alice, target: { ...target, port: 9000 }, logger: silentLogger });
    devnet.state.advanceBlocks(4);
    expect(await client.bestBlock()).toBe(servedAt + 4);
    // Best block is servedAt+4; the extrinsic would land in servedAt+5; allowed from servedAt+10.
    expect(await moved.publish()).toMatchObject({ kind: 'rate-limited', blocksLeft: 5 });
    expect(moved.owesServe).toBe(true);
    expect(devnet.state.served).toHaveLength(1);

    // The chain itself refuses an early serve with the pallet's error name.
    await expect(client.serveAxon(NETUID, alice, { ...target, port: 9000 })).rejects.toThrow(/subtensorModule.ServingRateLimitExceeded/);

    devnet.state.advanceBlocks(10);
    expect((await moved.onUid(0))?.kind).toBe('served');
    expect(devnet.state.served.at(-1)).toMatchObject({ port: 9000, signer: alice.address });
    expect(moved.owesServe).toBe(false);
  });

  it('surfaces the chain refusing a loopback IP and an unregistered signer', async () => {
    devnet = await startDevnet({ shape: 'pre-dtao' });
    devnet.state.registerNeuron(NETUID, { hotkey: alice.address, stakeTao: 1 });
    client = await connectClient(devnet);
    await expect(client.serveAxon(NETUID, alice, { ip: '127.0.0.1', port: 8091, version: 9_000_000 })).rejects.toThrow(/InvalidIpAddress/);
    await expect(client.serveAxon(NETUID, bob, { ip: '203.0.113.7', port: 8091, version: 9_000_000 })).rejects.toThrow(/HotKeyNotRegisteredInNetwork/);
    expect(devnet.state.served).toHaveLength(0);
  });

  it('serves again when the uid changes after re-registration', async () => {
    devnet = await startDevnet({ shape: 'post-dtao', servingRateLimit: 0 });
    devnet.state.registerNeuron(NETUID, { hotkey: bob.address, stakeTao: 5 });
    devnet.state.registerNeuron(NETUID, { hotkey: alice.address, stakeTao: 1 });
    devnet.state.registerNeuron(NETUID, { hotkey: charlie.address, stakeTao: 1 });
    client = await connectClient(devnet);
    const publisher = new AxonPublisher({ chain: client, netuid: NETUID, hotkey: alice, target: { ip: '203.0.113.7', port: 8091, version: 9_000_000 }, logger: silentLogger });
    const uids: Array<number | undefined> = [];
    const sync = new MetagraphSync({
      chain: client,
      netuid: NETUID,
      hotkey: alice.address,
      intervalMs: 60_000,
      logger: silentLogger,
      onSynced: async (_m, uid) => {
        uids.push(uid);
        await publisher.onUid(uid);
      },
    });
    await sync.sync();
    expect(devnet.state.served.map((s) => s.signer)).toEqual([alice.address]);
    await sync.sync();
    expect(devnet.state.served).toHaveLength(1);

    // Alice is pruned (her axon goes with her), then registers again on another uid.
    devnet.state.replaceNeuron(NETUID, 1, { hotkey: dave.address, stakeTao: 0 });
    await sync.sync();
    devnet.state.replaceNeuron(NETUID, 2, { hotkey: alice.address, stakeTao: 1 });
    await sync.sync();
    expect(uids).toEqual([1, 1, undefined, 2]);
    expect(devnet.state.served.map((s) => s.signer)).toEqual([alice.address, alice.address]);
    expect(sync.current().hotkeys).toEqual([bob.address, dave.address, alice.address]);
  });
});

describe('post-dTAO stake', () => {
  it('adds root stake weighted by TaoWeight to the subnet alpha', async () => {
    devnet = await startDevnet({ shape: 'post-dtao', taoWeight: 0.25 });
    devnet.state.registerNeuron(NETUID, { hotkey: alice.address, stakeTao: 1000 });
    devnet.state.registerNeuron(NETUID, { hotkey: bob.address, stakeTao: 10 });
    devnet.state.setRootStake(alice.address, 400);
    client = await connectClient(devnet);
    const { stakes } = await client.readMetagraph(NETUID);
    expect(stakes[0]).toBeCloseTo(1000 + 400 * 0.25, 6);
    expect(stakes[1]).toBe(10);
  });
});

describe('connection robustness', () => {
  it('fails fast at start-up when nothing answers, naming the endpoint', async () => {
    devnet = await startDevnet();
    const url = devnet.url;
    await devnet.stop();
    await expect(connectClient(devnet, { callTimeoutMs: 400 })).rejects.toMatchObject({ code: 'disconnected', message: expect.stringContaining(`cannot connect to ${url}`) });
  });

  it('reconnects with backoff after the node restarts', async () => {
    devnet = await startDevnet({ shape: 'post-dtao' });
    devnet.state.registerNeuron(NETUID, { hotkey: alice.address, stakeTao: 1 });
    client = await connectClient(devnet);
    expect(await client.uidOf(NETUID, alice.address)).toBe(0);

    const reconnected = new Promise<void>((resolve) => client!.onConnected(resolve));
    await devnet.stop();
    await expect(client.bestBlock()).rejects.toSatisfy((e: unknown) => e instanceof ChainError);
    devnet.state.advanceBlocks(2);
    await devnet.start();
    await reconnected;
    expect(await client.bestBlock()).toBe(3);
    expect(await client.uidOf(NETUID, alice.address)).toBe(0);
  });

  it('times out a call when the node stops answering, and a failed sync keeps the last metagraph', async () => {
    devnet = await startDevnet({ shape: 'pre-dtao' });
    devnet.state.registerNeuron(NETUID, { hotkey: alice.address, stakeTao: 20_000 });
    client = await connectClient(devnet, { callTimeoutMs: 300 });
    const sync = new MetagraphSync({ chain: client, netuid: NETUID, hotkey: alice.address, intervalMs: 60_000, logger: silentLogger });
    const before = await sync.sync();
    devnet.freeze();
    const started = Date.now();
    await expect(client.bestBlock()).rejects.toMatchObject({ code: 'timeout', message: expect.stringMatching(/no answer in 300 ms/) });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await sync.tick()).toBeUndefined();
    expect(sync.current()).toBe(before);
    expect(sync.current().stakes).toEqual([20_000]);
  });
});

describe('stand-in extrinsic checks', () => {
  it('refuses a serve_axon whose signature does not match its payload, and a replayed nonce', async () => {
    devnet = await startDevnet({ shape: 'post-dtao', servingRateLimit: 0 });
    devnet.state.registerNeuron(NETUID, { hotkey: alice.address, stakeTao: 1 });
    client = await connectClient(devnet);
    const api = client.api;
    const tx = await api.tx.subtensorModule!.serveAxon!(NETUID, 9_000_000, '3405803783', 8091, 4, 4, 0, 0).signAsync(alice, { nonce: 0 });
    const good = tx.toHex();
    // Flip one byte of the 64-byte signature (it follows the 0x01 sr25519 tag after the 32-byte signer).
    const bytes = Buffer.from(good.slice(2), 'hex');
    const sigAt = bytes.indexOf(Buffer.from(alice.publicKey)) + 32 + 1;
    bytes[sigAt + 10] = bytes[sigAt + 10]! ^ 0xff;
    await expect(api.rpc.author.submitExtrinsic(`0x${bytes.toString('hex')}`)).rejects.toThrow(/bad signature/);
    expect(devnet.state.served).toHaveLength(0);

    await api.rpc.author.submitExtrinsic(good);
    expect(devnet.state.served).toHaveLength(1);
    await expect(api.rpc.author.submitExtrinsic(good)).rejects.toThrow(/outdated/);
    expect(devnet.state.served).toHaveLength(1);
  });
});
