import type { KeyringPair } from '@polkadot/keyring/types';
import type { Logger } from '@neural-condense/sdk';
import type { LoadedConfig } from '../config/index.js';
import { startBackend, type RunningBackend } from '../backend/server.js';
import { loopbackOnly } from '../backend/routes/condense.js';
import { createAxon, type Axon } from './axon/index.js';
import { loadHotkey } from './wallet/index.js';
import { ChainClient } from './chain/chain-client.js';
import { resolveChainEndpoint } from './chain/endpoints.js';
import { AXON_VERSION_AS_INT, describeAxon } from './chain/axon-info.js';
import { AxonPublisher, type PublishOutcome } from './chain/axon-publisher.js';
import { MetagraphSync } from './chain/metagraph-sync.js';
import { serveAxonOutcomes } from './chain/metrics.js';

export interface RunMinerOptions {
  logger: Logger;
  /** Use this pair instead of reading the wallet files (tests). */
  hotkey?: KeyringPair;
  env?: NodeJS.ProcessEnv;
}

/** A started miner: chain connected, axon listening, metagraph syncing. */
export interface RunningMiner {
  hotkey: string;
  uid: number;
  /** Port the axon listens on. */
  axonPort: number;
  chain: ChainClient;
  metagraph: MetagraphSync;
  /** The in-process backend, absent when forwarding to `miner.backend`. */
  backend?: RunningBackend;
  /** The last serve_axon decision at start-up (undefined when no external ip is set). */
  served?: PublishOutcome;
  /** Stops syncing, closes the axon, the backend and the chain connection. */
  close(): Promise<void>;
}

/**
 * `condense miner`: hotkey -> chain (registration check) -> metagraph -> backend
 * (in-process unless `miner.backend` is set) -> axon -> serve_axon -> periodic sync.
 * Throws NotRegisteredError (and closes what it opened) when the hotkey has no uid.
 */
export async function runMiner(loaded: LoadedConfig, options: RunMinerOptions): Promise<RunningMiner> {
  const miner = loaded.config.miner;
  const logger = options.logger.child({ component: 'miner' });
  const hotkey = options.hotkey ?? (await loadHotkey({ path: miner.wallet.path, name: miner.wallet.name, hotkey: miner.wallet.hotkey }));
  const endpoint = resolveChainEndpoint(miner.subtensor.network, miner.subtensor.chainEndpoint, options.env);
  logger.info({ hotkey: hotkey.address, netuid: miner.netuid, endpoint }, 'connecting to subtensor');
  const chain = await ChainClient.connect({ endpoint, callTimeoutMs: miner.subtensor.callTimeoutMs, logger: logger.child({ component: 'chain' }) });

  const cleanups: Array<() => Promise<void>> = [() => chain.close()];
  const closeAll = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => logger.warn({ err: String(err) }, 'shutdown step failed'));
  };
  try {
    const uid = await chain.requireRegistered(miner.netuid, hotkey.address);
    logger.info({ uid, stakeSource: chain.stakeSource }, 'hotkey registered');

    let publisher: AxonPublisher | undefined;
    const sync = new MetagraphSync({
      chain,
      netuid: miner.netuid,
      hotkey: hotkey.address,
      intervalMs: miner.syncIntervalSeconds * 1000,
      logger,
      onSynced: async (_metagraph, ownUid) => {
        if (publisher) await publishSafely(publisher, () => publisher!.onUid(ownUid), logger);
      },
    });
    await sync.sync();
    cleanups.push(() => sync.stop());

    let backend: RunningBackend | undefined;
    if (!miner.backend) {
      // Validators reach the compressor through the axon only (signature, stake, quota);
      // the backend's own POST /condense stays open to this machine for debugging.
      backend = await startBackend(loaded, logger, { condenseAccess: loopbackOnly });
      cleanups.push(() => backend!.close());
    }
    const axon: Axon = createAxon({ config: miner, tier: loaded.tier, hotkey, metagraph: sync, condense: backend?.runtime.condense, logger });
    const { port } = await axon.listen();
    cleanups.push(() => axon.close());

    const onChain = await chain.axonOf(miner.netuid, hotkey.address);
    const externalPort = miner.axon.externalPort ?? port;
    logger.info(
      { onChain: describeAxon(onChain), listening: `${miner.axon.host}:${port}`, advertising: miner.axon.externalIp ? `${miner.axon.externalIp}:${externalPort}` : 'not set (--axon.external_ip)' },
      'axon: served on chain vs this process',
    );

    let served: PublishOutcome | undefined;
    if (miner.axon.externalIp) {
      publisher = new AxonPublisher({ chain, netuid: miner.netuid, hotkey, target: { ip: miner.axon.externalIp, port: externalPort, version: AXON_VERSION_AS_INT }, logger });
      served = await publishSafely(publisher, () => publisher!.onUid(uid), logger);
    } else {
      logger.warn('--axon.external_ip is not set: serve_axon skipped, validators query whatever is on chain. Set it to this machine\'s public IP.');
    }
    sync.start();
    return { hotkey: hotkey.address, uid, axonPort: port, chain, metagraph: sync, backend, served, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

// A failed serve (bad ip, chain hiccup) is logged and retried at the next sync; the axon keeps serving.
async function publishSafely(publisher: AxonPublisher, run: () => Promise<PublishOutcome | undefined>, logger: Logger): Promise<PublishOutcome | undefined> {
  try {
    const outcome = await run();
    if (outcome) serveAxonOutcomes.inc({ outcome: outcome.kind });
    return outcome;
  } catch (error) {
    serveAxonOutcomes.inc({ outcome: 'error' });
    logger.error({ err: error instanceof Error ? error.message : String(error) }, 'serve_axon failed; will retry at the next metagraph sync');
    return undefined;
  }
}
