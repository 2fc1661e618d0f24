import type { KeyringPair } from '@polkadot/keyring/types';
import type { Logger } from '@neural-condense/sdk';
import { axonMatches, describeAxon, type AxonInfo, type AxonTarget } from './axon-info.js';
import type { ChainClient } from './chain-client.js';

/** What one publish attempt did. */
export type PublishOutcome =
  | { kind: 'unchanged'; onChain: AxonInfo }
  | { kind: 'served'; block: number }
  | { kind: 'rate-limited'; blocksLeft: number; onChain: AxonInfo };

/** The part of ChainClient the publisher uses (a seam for tests). */
export type PublisherChain = Pick<ChainClient, 'axonOf' | 'servingRateLimit' | 'bestBlock' | 'serveAxon'>;

export interface AxonPublisherOptions {
  chain: PublisherChain;
  netuid: number;
  hotkey: KeyringPair;
  target: AxonTarget;
  logger: Logger;
}

/**
 * Keeps `Axons(netuid, hotkey)` equal to this miner's external address: serves when it
 * differs, never when it matches (each serve costs a rate-limit window), and waits out
 * `ServingRateLimit` instead of sending an extrinsic the chain would reject.
 */
export class AxonPublisher {
  private lastUid: number | undefined;
  private pending = false;

  constructor(private readonly options: AxonPublisherOptions) {}

  /** True while a rate-limited serve is still owed. */
  get owesServe(): boolean {
    return this.pending;
  }

  /** Serves if on-chain info differs from the target and the rate limit allows. */
  async publish(): Promise<PublishOutcome> {
    const { chain, netuid, hotkey, target, logger } = this.options;
    // Owed until it succeeds or proves unnecessary: a throw leaves it owed for the next sync.
    this.pending = true;
    const onChain = await chain.axonOf(netuid, hotkey.address);
    if (onChain && axonMatches(onChain, target)) {
      this.pending = false;
      return { kind: 'unchanged', onChain };
    }
    if (onChain && onChain.block > 0) {
      const [limit, block] = await Promise.all([chain.servingRateLimit(netuid), chain.bestBlock()]);
      // The extrinsic lands in the next block, so that block must be `limit` past the last serve.
      const blocksLeft = limit === 0 ? 0 : onChain.block + limit - (block + 1);
      if (blocksLeft > 0) {
        this.pending = true;
        logger.warn(
          { netuid, onChain: describeAxon(onChain), want: `${target.ip}:${target.port}`, servingRateLimit: limit, blocksLeft },
          `serve_axon skipped: ServingRateLimit allows the next serve in ${blocksLeft} blocks (~${blocksLeft * 12} s); retrying at the next metagraph sync`,
        );
        return { kind: 'rate-limited', blocksLeft, onChain };
      }
    }
    logger.info({ netuid, from: describeAxon(onChain), to: `${target.ip}:${target.port}`, version: target.version }, 'serve_axon: posting this axon on chain');
    const receipt = await chain.serveAxon(netuid, hotkey, target);
    this.pending = false;
    const served = await chain.axonOf(netuid, hotkey.address);
    logger.info({ netuid, blockHash: receipt.blockHash, onChain: describeAxon(served) }, 'serve_axon: in block');
    return { kind: 'served', block: served?.block ?? 0 };
  }

  /**
   * Called after each metagraph sync with this hotkey's uid: serves again when the uid
   * changed (re-registration clears the axon) or a rate-limited serve is still owed.
   */
  async onUid(uid: number | undefined): Promise<PublishOutcome | undefined> {
    const changed = uid !== this.lastUid;
    const previous = this.lastUid;
    this.lastUid = uid;
    if (uid === undefined) {
      if (changed) this.options.logger.error({ netuid: this.options.netuid, previousUid: previous }, 'this hotkey is no longer registered on the subnet; validators will stop querying it. Register again.');
      return undefined;
    }
    if (changed && previous !== undefined) this.options.logger.warn({ from: previous, to: uid }, 'uid changed (re-registration); checking the served axon');
    if (changed || this.pending) return this.publish();
    return undefined;
  }
}
