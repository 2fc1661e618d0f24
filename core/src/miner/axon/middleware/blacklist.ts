import type { Context, Next } from 'koa';
import type { MetagraphProvider } from '../../metagraph.js';
import { checkCaller, type CallerPolicy } from '../../blacklist/caller-policy.js';
import { blacklisted, notVerified } from '../rejection.js';
import { axonState } from './respond.js';

/**
 * The cheap caller check before any crypto: TextCompressProtocol callers must pass the
 * miner's blacklist; Metadata always passes (as the original), the `/Synapse` ping has none.
 */
export function blacklist(options: { policy: CallerPolicy; metagraph: MetagraphProvider }) {
  return async function blacklistMiddleware(ctx: Context, next: Next): Promise<void> {
    const state = axonState(ctx);
    if (state.synapse === 'TextCompressProtocol') {
      const hotkey = state.headers.dendrite.hotkey;
      if (hotkey === undefined) throw notVerified('missing_header', 'Missing dendrite hotkey header');
      const verdict = checkCaller(options.policy, options.metagraph.current(), hotkey);
      if (!verdict.allowed) throw blacklisted(verdict.reason, verdict.message);
      state.caller = { uid: verdict.uid, stake: verdict.stake, allowListed: verdict.allowListed };
    }
    await next();
  };
}
