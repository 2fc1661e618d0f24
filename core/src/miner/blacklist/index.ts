export { checkCaller, type CallerPolicy, type CallerVerdict, type BlacklistReason } from './caller-policy.js';
export { RateLimiter, quotas, type RateLimitOptions, type RateLimitDecision } from './rate-limit.js';
export { PriorityGate, PriorityQueueFullError } from './priority.js';
export { resolveMinStake, DEFAULT_MIN_STAKE } from './min-stake.js';
