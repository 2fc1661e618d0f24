import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { silentLogger } from '@neural-condense/sdk';
import { DevnetServer, type DevnetServerOptions } from '../../src/miner/devnet/devnet-server.js';
import { ChainClient, type ChainClientOptions } from '../../src/miner/chain/chain-client.js';

/** sr25519 dev keys (//Alice, //Bob, ...) as a Python wallet would hold them. */
export async function devKeys(...uris: string[]): Promise<KeyringPair[]> {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  return uris.map((uri) => keyring.addFromUri(uri));
}

/** A started stand-in; stop it in afterEach/afterAll. */
export async function startDevnet(options: DevnetServerOptions = {}): Promise<DevnetServer> {
  return new DevnetServer({ port: 0, ...options }).start();
}

/** A chain client on the stand-in with test-sized timeouts. */
export function connectClient(devnet: DevnetServer, options: Partial<ChainClientOptions> = {}): Promise<ChainClient> {
  return ChainClient.connect({ endpoint: devnet.url, callTimeoutMs: 2_000, minReconnectDelayMs: 20, maxReconnectDelayMs: 200, logger: silentLogger, ...options });
}

