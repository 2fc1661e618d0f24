import { describe, expect, it } from 'vitest';
import { quotas, RateLimiter } from './rate-limit.js';
import { checkCaller } from './caller-policy.js';
import type { Metagraph } from '../metagraph.js';

const metagraph: Metagraph = {
  netuid: 47,
  block: 10,
  hotkeys: ['miner', 'v1', 'v2', 'small', 'edge'],
  stakes: [0, 60_000, 30_000, 500, 10_000],
  validatorPermits: [false, true, true, false, true],
};

describe('quotas', () => {
  it('shares requests per epoch by stake among uids strictly above the minimum, with the floor', () => {
    // whitelist: v1, v2 (edge has exactly 10000: not strictly above); sum 90000.
    expect(quotas(metagraph, { requestsPerEpoch: 256, minPerValidator: 10, minStake: 10_000 })).toEqual([0, 170, 85, 0, 0]);
    expect(quotas(metagraph, { requestsPerEpoch: 20, minPerValidator: 10, minStake: 10_000 })).toEqual([0, 13, 10, 0, 0]);
  });
});

describe('RateLimiter', () => {
  it('resets counters each epoch on the injected clock', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter({ requestsPerEpoch: 3, minPerValidator: 1, minStake: 10_000, epochMs: 600_000, clock: { now: () => now } });
    // v1 = max(trunc(3*60/90)=2, 1) = 2
    expect([1, 2, 3].map(() => limiter.take(metagraph, 'v1').allowed)).toEqual([true, true, false]);
    now += 599_999;
    expect(limiter.take(metagraph, 'v1').allowed).toBe(false);
    now += 1;
    expect(limiter.take(metagraph, 'v1')).toEqual({ allowed: true, count: 1, limit: 2 });
    expect(limiter.take(metagraph, 'stranger')).toEqual({ allowed: false, count: 0, limit: 0 });
  });
});

describe('checkCaller', () => {
  const policy = { minStake: 10_000, requireValidatorPermit: false, allowHotkeys: new Set<string>(), denyHotkeys: new Set<string>() };
  it('refuses unregistered and low-stake callers and accepts the minimum exactly', () => {
    expect(checkCaller(policy, metagraph, 'nobody')).toMatchObject({ allowed: false, reason: 'unregistered' });
    expect(checkCaller(policy, metagraph, 'small')).toMatchObject({ allowed: false, reason: 'stake_too_low', message: 'Stake too low.' });
    expect(checkCaller(policy, metagraph, 'edge')).toMatchObject({ allowed: true, uid: 4, stake: 10_000 });
  });
});
