import type { Logger } from '@neural-condense/sdk';
import { uidOf, type Metagraph, type MetagraphProvider } from '../metagraph.js';
import type { ChainClient } from './chain-client.js';
import { metagraphBlock, metagraphSyncs } from './metrics.js';

export interface MetagraphSyncOptions {
  chain: Pick<ChainClient, 'readMetagraph'>;
  netuid: number;
  /** This miner's hotkey, to report its uid after each sync. */
  hotkey: string;
  intervalMs: number;
  logger: Logger;
  /** Runs after every successful sync with this miner's uid (undefined when deregistered). */
  onSynced?: (metagraph: Metagraph, uid: number | undefined) => Promise<unknown> | unknown;
}

/**
 * Keeps a fresh metagraph for the axon. A failed sync keeps the last good snapshot and is
 * retried at the next tick, so a chain outage never empties the validator list.
 */
export class MetagraphSync implements MetagraphProvider {
  private snapshot: Metagraph | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<Metagraph | undefined> | undefined;

  constructor(private readonly options: MetagraphSyncOptions) {}

  /** The latest snapshot; throws before the first sync. */
  current(): Metagraph {
    if (!this.snapshot) throw new Error('metagraph not synced yet: call sync() before serving requests');
    return this.snapshot;
  }

  /** Reads the metagraph now (concurrent calls share one read). Throws on chain errors. */
  async sync(): Promise<Metagraph> {
    const { chain, netuid, hotkey, logger, onSynced } = this.options;
    let metagraph: Metagraph;
    try {
      metagraph = await chain.readMetagraph(netuid);
    } catch (error) {
      metagraphSyncs.inc({ outcome: 'error' });
      throw error;
    }
    metagraphSyncs.inc({ outcome: 'ok' });
    metagraphBlock.set(metagraph.block);
    this.snapshot = metagraph;
    const uid = uidOf(metagraph, hotkey);
    logger.info({ netuid, block: metagraph.block, neurons: metagraph.hotkeys.length, uid, validators: metagraph.validatorPermits.filter(Boolean).length }, 'metagraph synced');
    await onSynced?.(metagraph, uid);
    return metagraph;
  }

  /** Starts periodic syncs (the first one after `intervalMs`; call sync() first yourself). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a sync in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One periodic sync; errors are logged, never thrown. */
  async tick(): Promise<Metagraph | undefined> {
    if (this.running) return this.running;
    this.running = this.sync()
      .catch((error: unknown) => {
        this.options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'metagraph sync failed; keeping the last snapshot');
        return undefined;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }
}
