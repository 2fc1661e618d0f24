import type { Context, Next } from 'koa';
import type { MetagraphProvider } from '../../metagraph.js';
import type { RateLimiter } from '../../blacklist/rate-limit.js';
import { blacklisted } from '../rejection.js';
import { axonState } from './respond.js';

/**
 * Counts a TextCompressProtocol against its caller's epoch quota. It runs after verify,
 * unlike the original, so forged requests cannot use up a real validator's quota.
 * Allow-listed hotkeys are not counted.
 */
export function rateLimit(options: { limiter: RateLimiter; metagraph: MetagraphProvider }) {
  return async function rateLimitMiddleware(ctx: Context, next: Next): Promise<void> {
    const state = axonState(ctx);
    if (state.synapse === 'TextCompressProtocol' && !state.caller?.allowListed) {
      const decision = options.limiter.take(options.metagraph.current(), state.headers.dendrite.hotkey ?? '');
      if (!decision.allowed) throw blacklisted('rate_limited', 'Rate limit exceeded.');
    }
    await next();
  };
}
