// Starts a real axon on 127.0.0.1 with a counting CondenseService, a manual clock and a
// static metagraph of keyring dev keys. Shared by the axon tests.
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { silentLogger, type TierSpec } from '@neural-condense/sdk';
import { createAxon, type Axon } from '../../src/miner/axon/index.js';
import { minerConfigSchema, type MinerConfig } from '../../src/miner/config.js';
import { staticMetagraph } from '../../src/miner/metagraph.js';
import type { CondenseInput, CondenseOptions, CondenseOutput, CondenseService } from '../../src/pipeline/types.js';
import type { SignedRequest } from '../helpers/dendrite-signer.js';

export const TIER: TierSpec = {
  name: 'research',
  output: 'kv-cache',
  minCondensedTokens: 128,
  maxCondensedTokens: 1024,
  maxContextChars: 10_000,
  timeoutMs: 32_000,
  targetModels: ['mistralai/Mistral-7B-Instruct-v0.2'],
  requestsPerEpoch: 256,
};

export interface Keys {
  miner: KeyringPair;
  otherMiner: KeyringPair;
  alice: KeyringPair; // registered, 20000 TAO
  bob: KeyringPair; // registered, 5000 TAO (below the minimum)
  charlie: KeyringPair; // not registered
  dave: KeyringPair; // registered, 30000 TAO
  eve: KeyringPair; // registered, 20000 TAO
}

export async function devKeys(): Promise<Keys> {
  await cryptoWaitReady();
  const k = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const f = (uri: string) => k.addFromUri(uri);
  return { miner: f('//Miner'), otherMiner: f('//OtherMiner'), alice: f('//Alice'), bob: f('//Bob'), charlie: f('//Charlie'), dave: f('//Dave'), eve: f('//Eve') };
}

/** A CondenseService that counts calls; `behaviour` decides the answer. */
export class CountingService implements CondenseService {
  calls = 0;
  inputs: CondenseInput[] = [];
  signals: (AbortSignal | undefined)[] = [];
  behaviour: (input: CondenseInput, options?: CondenseOptions) => Promise<CondenseOutput> = async (input) => ({
    target_model: input.targetModel,
    compressed_kv_url: `http://127.0.0.1:9/${this.calls}.npy`,
    timings: {},
  });

  condense(input: CondenseInput, options?: CondenseOptions): Promise<CondenseOutput> {
    this.calls++;
    this.inputs.push(input);
    this.signals.push(options?.signal);
    return this.behaviour(input, options);
  }
}

export interface Harness {
  axon: Axon;
  url: string;
  service: CountingService;
  clock: { now(): number; advance(ms: number): void };
  send(req: SignedRequest, init?: { headers?: Record<string, string>; body?: string; method?: string }): Promise<Response>;
  close(): Promise<void>;
}

export async function startAxon(keys: Keys, configOverride: Record<string, unknown> = {}, service = new CountingService(), useRemote = false): Promise<Harness> {
  let t = Date.now();
  const clock = { now: () => t, advance: (ms: number) => void (t += ms) };
  const base = minerConfigSchema.parse(configOverride) as MinerConfig;
  const config: MinerConfig = { ...base, axon: { ...base.axon, port: 0, host: '127.0.0.1' } };
  const metagraph = staticMetagraph({
    netuid: 47,
    block: 1,
    hotkeys: [keys.miner.address, keys.alice.address, keys.bob.address, keys.dave.address, keys.eve.address],
    stakes: [0, 20_000, 5_000, 30_000, 20_000],
    validatorPermits: [false, true, true, false, true],
  });
  const axon = createAxon({ config, tier: TIER, hotkey: keys.miner, metagraph, condense: useRemote ? undefined : service, logger: silentLogger, clock });
  const { port } = await axon.listen();
  const url = `http://127.0.0.1:${port}`;
  return {
    axon,
    url,
    service,
    clock,
    send: (req, init = {}) =>
      fetch(url + req.path, { method: init.method ?? 'POST', headers: { ...req.headers, ...init.headers }, body: init.method === 'GET' ? undefined : (init.body ?? req.body) }),
    close: () => axon.close(),
  };
}
