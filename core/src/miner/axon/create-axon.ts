import type { KeyringPair } from '@polkadot/keyring/types';
import type Koa from 'koa';
import type { Clock, Logger, TierSpec } from '@neural-condense/sdk';
import type { MinerConfig } from '../config.js';
import type { MetagraphProvider } from '../metagraph.js';
import type { CondenseService } from '../../pipeline/types.js';

/** What the axon needs; `condense` undefined means forward to `config.backend` over HTTP. */
export interface AxonOptions {
  config: MinerConfig;
  tier: TierSpec;
  /** The miner's hotkey: its ss58 is the third element of every signed message. */
  hotkey: KeyringPair;
  metagraph: MetagraphProvider;
  condense: CondenseService | undefined;
  logger: Logger;
  /** Time source for nonces and rate-limit epochs (default: system clock). */
  clock?: Clock;
}

/** A running (or ready to run) axon. */
export interface Axon {
  /** The Koa app, for tests that drive it without a socket. */
  app: Koa;
  /** Binds `config.axon.host:port` (port 0 picks a free one) and resolves with the bound port. */
  listen(): Promise<{ port: number }>;
  /** Stops accepting connections and waits for open ones to finish. */
  close(): Promise<void>;
}

/** Builds the axon: parse -> blacklist -> verify -> rate limit -> priority -> forward. */
export function createAxon(options: AxonOptions): Axon {
  void options;
  throw new Error('createAxon: not implemented yet');
}
