import type { Context, Next } from 'koa';
import type { PriorityGate } from '../../blacklist/priority.js';
import { PriorityQueueFullError } from '../../blacklist/priority.js';
import { AxonRejection } from '../rejection.js';
import { axonState } from './respond.js';

/**
 * Admits TextCompressProtocol forwards through the stake-ordered gate; the wait counts
 * against the synapse's timeout (`state.signal`, set by the deadline stage).
 */
export function priority(options: { gate: PriorityGate }) {
  return async function priorityMiddleware(ctx: Context, next: Next): Promise<void> {
    const state = axonState(ctx);
    if (state.synapse !== 'TextCompressProtocol') return next();
    let release: () => void;
    try {
      release = await options.gate.acquire(state.caller?.stake ?? 0, state.signal);
    } catch (err) {
      if (err instanceof PriorityQueueFullError) throw new AxonRejection(503, err.message, 'queue_full');
      throw new AxonRejection(408, `Response timeout after: ${state.timeoutS}s`, 'timeout');
    }
    try {
      await next();
    } finally {
      release();
    }
  };
}
