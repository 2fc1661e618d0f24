import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type { KeyringPair } from '@polkadot/keyring/types';
import { encodeAddress } from '@polkadot/util-crypto';
import { systemClock, type Clock, type Logger, type TierSpec } from '@neural-condense/sdk';
import type { MinerConfig } from '../config.js';
import type { MetagraphProvider } from '../metagraph.js';
import type { CondenseService } from '../../pipeline/types.js';
import { PriorityGate } from '../blacklist/priority.js';
import { RateLimiter } from '../blacklist/rate-limit.js';
import { resolveMinStake } from '../blacklist/min-stake.js';
import { createRemoteBackend } from '../forward/remote-backend.js';
import { RequestVerifier, initVerifier } from './verifier.js';
import { respond } from './middleware/respond.js';
import { parseRequest } from './middleware/parse.js';
import { blacklist } from './middleware/blacklist.js';
import { verify } from './middleware/verify.js';
import { rateLimit } from './middleware/rate-limit.js';
import { deadline } from './middleware/deadline.js';
import { priority } from './middleware/priority.js';
import { forward } from './middleware/forward.js';

/** What the axon needs; `condense` undefined means forward to `config.backend` over HTTP. */
export interface AxonOptions {
  config: MinerConfig;
  tier: TierSpec;
  /** The miner's hotkey: its ss58 is the third element of every signed message. */
  hotkey: KeyringPair;
  metagraph: MetagraphProvider;
  condense: CondenseService | undefined;
  logger: Logger;
  /** Time source for nonces, rate-limit epochs and deadlines (default: system clock). */
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

function condenseServiceOf(options: AxonOptions): CondenseService {
  if (options.condense) return options.condense;
  const backend = options.config.backend;
  if (!backend) throw new Error('createAxon: no in-process CondenseService and no miner.backend {host, port} to forward to; set --miner.backend_host/--miner.backend_port or run in one process');
  return createRemoteBackend(backend);
}

/**
 * Builds the axon, a Koa app whose middleware read in request order:
 * reply shaping -> parse and size limit -> blacklist -> verify -> rate limit -> deadline -> priority -> forward.
 * The WASM sr25519 is loaded by `listen()` (tests driving `app` directly call `initVerifier()`).
 */
export function createAxon(options: AxonOptions): Axon {
  const { config, tier, logger } = options;
  const clock = options.clock ?? systemClock;
  const service = condenseServiceOf(options);
  const minStake = resolveMinStake(config);
  const log = logger.child({ component: 'axon' });
  // Dendrites sign our address in the generic substrate format (42), whatever the pair's keyring uses.
  const ourHotkey = encodeAddress(options.hotkey.publicKey, 42);

  const app = new Koa({ proxy: false });
  app.use(respond({ logger: log, axonUuid: randomUUID(), nowNs: () => BigInt(Math.round(clock.now())) * 1_000_000n }));
  app.use(parseRequest({ maxBodyBytes: config.axon.maxBodyBytes }));
  app.use(
    blacklist({
      metagraph: options.metagraph,
      policy: {
        minStake,
        requireValidatorPermit: config.blacklist.requireValidatorPermit,
        allowHotkeys: new Set(config.blacklist.allowHotkeys),
        denyHotkeys: new Set(config.blacklist.denyHotkeys),
      },
    }),
  );
  app.use(verify({ verifier: new RequestVerifier(ourHotkey, clock) }));
  app.use(
    rateLimit({
      metagraph: options.metagraph,
      limiter: new RateLimiter({
        requestsPerEpoch: config.rateLimit.requestsPerEpoch ?? tier.requestsPerEpoch,
        minPerValidator: config.rateLimit.minPerValidator,
        minStake,
        epochMs: config.rateLimit.epochSeconds * 1000,
        clock,
      }),
    }),
  );
  app.use(deadline({ clock }));
  app.use(priority({ gate: new PriorityGate(config.axon.concurrency, config.axon.maxQueued) }));
  app.use(forward({ tier, service, logger: log }));

  let server: Server | undefined;
  return {
    app,
    async listen() {
      await initVerifier();
      const listening = app.listen(config.axon.port, config.axon.host);
      server = listening;
      await new Promise<void>((resolve, reject) => {
        listening.once('listening', resolve);
        listening.once('error', reject);
      });
      // Validators keep connections open between queries; do not cut them before their timeout.
      listening.keepAliveTimeout = 65_000;
      const port = (listening.address() as AddressInfo).port;
      log.info({ host: config.axon.host, port, hotkey: ourHotkey, tier: tier.name, minStake, remoteBackend: options.condense ? undefined : config.backend }, 'axon listening');
      return { port };
    },
    async close() {
      const s = server;
      server = undefined;
      if (!s) return;
      await new Promise<void>((resolve, reject) => {
        s.close((err) => (err ? reject(err) : resolve()));
        s.closeIdleConnections();
      });
    },
  };
}
