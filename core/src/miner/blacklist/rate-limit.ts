import type { Clock } from '@neural-condense/sdk';
import { uidOf, type Metagraph } from '../metagraph.js';

/** Inputs of the per-validator quota (the original's `build_rate_limit`). */
export interface RateLimitOptions {
  /** Requests per epoch shared by whitelisted validators in proportion to stake. */
  requestsPerEpoch: number;
  /** Quota floor of a whitelisted validator. */
  minPerValidator: number;
  /** Whitelist = uids with stake strictly above this. */
  minStake: number;
  epochMs: number;
  clock: Clock;
}

/** One `take()` result. */
export interface RateLimitDecision {
  allowed: boolean;
  /** Requests counted this epoch including this one (unchanged when refused). */
  count: number;
  limit: number;
}

/**
 * Per-uid quotas for one metagraph: `max(trunc(rpe * S[uid] / sum(S[whitelist])), floor)`
 * for whitelisted uids (stake > minStake), 0 for the rest.
 */
export function quotas(metagraph: Metagraph, options: Pick<RateLimitOptions, 'requestsPerEpoch' | 'minPerValidator' | 'minStake'>): number[] {
  const whitelisted = metagraph.stakes.map((s) => s > options.minStake);
  const total = metagraph.stakes.reduce((sum, s, uid) => (whitelisted[uid] ? sum + s : sum), 0);
  return metagraph.stakes.map((s, uid) =>
    whitelisted[uid] && total > 0 ? Math.max(Math.trunc((options.requestsPerEpoch * s) / total), options.minPerValidator) : 0,
  );
}

/**
 * Counts requests per hotkey per epoch. Counters reset when an epoch of `epochMs` has
 * passed on the injected clock (checked on each call: no timers); quotas are recomputed
 * whenever the metagraph snapshot changes. Call `take` only for verified requests.
 */
export class RateLimiter {
  private epochStart: number;
  private readonly counts = new Map<string, number>();
  private limitsFor: Metagraph | undefined;
  private limits: number[] = [];

  constructor(private readonly options: RateLimitOptions) {
    this.epochStart = options.clock.now();
  }

  /** The quota of a hotkey under this metagraph (0 when unregistered or not whitelisted). */
  limitOf(metagraph: Metagraph, hotkey: string): number {
    if (this.limitsFor !== metagraph) {
      this.limits = quotas(metagraph, this.options);
      this.limitsFor = metagraph;
    }
    const uid = uidOf(metagraph, hotkey);
    return uid === undefined ? 0 : (this.limits[uid] ?? 0);
  }

  /** Counts one request if it fits the hotkey's quota. */
  take(metagraph: Metagraph, hotkey: string): RateLimitDecision {
    const now = this.options.clock.now();
    if (now - this.epochStart >= this.options.epochMs) {
      this.counts.clear();
      // Epochs stay aligned to the first start, however long the axon idled.
      this.epochStart += Math.floor((now - this.epochStart) / this.options.epochMs) * this.options.epochMs;
    }
    const limit = this.limitOf(metagraph, hotkey);
    const used = this.counts.get(hotkey) ?? 0;
    if (used >= limit) return { allowed: false, count: used, limit };
    this.counts.set(hotkey, used + 1);
    return { allowed: true, count: used + 1, limit };
  }
}
