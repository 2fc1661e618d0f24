import type { Context, Next } from 'koa';
import { CondenseError, type Logger, type TierSpec } from '@neural-condense/sdk';
import { STATUS_BY_CODE } from '../../../backend/middleware/errors.js';
import type { CondenseService } from '../../../pipeline/types.js';
import { forwardMetadata } from '../../forward/metadata.js';
import { RemoteBackendError } from '../../forward/remote-backend.js';
import { forwardTextCompress } from '../../forward/text-compress.js';
import type { MetadataSynapse, TextCompressProtocol } from '../../protocol/synapse.js';
import { AxonRejection } from '../rejection.js';
import { axonState } from './respond.js';

/** A failed condense as the failed synapse the dendrite will see. */
function toRejection(err: unknown, timeoutS: number, signal: AbortSignal | undefined): AxonRejection {
  if (signal?.aborted || (err instanceof CondenseError && (err.code === 'deadline_exceeded' || err.code === 'aborted'))) {
    return new AxonRejection(408, `Response timeout after: ${timeoutS}s`, 'timeout');
  }
  if (err instanceof RemoteBackendError) return new AxonRejection(err.status, err.message, 'backend_error');
  if (err instanceof CondenseError) return new AxonRejection(STATUS_BY_CODE[err.code], err.message, 'backend_error');
  throw err;
}

/** Last stage: run the synapse. TextCompressProtocol -> CondenseService; Metadata -> tier; ping -> echo. */
export function forward(options: { tier: TierSpec; service: CondenseService; logger: Logger }) {
  return async function forwardMiddleware(ctx: Context, _next: Next): Promise<void> {
    const state = axonState(ctx);
    const request = state.request!;
    if (state.synapse === 'Metadata') {
      state.response = forwardMetadata(request as MetadataSynapse, options.tier);
      return;
    }
    if (state.synapse !== 'TextCompressProtocol') {
      state.response = request;
      return;
    }
    const signal = state.signal;
    // The service honours the signal, but a stuck one must not hold the reply past the timeout.
    const aborted = new Promise<never>((_, reject) => {
      if (signal?.aborted) reject(signal.reason);
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    try {
      state.response = await Promise.race([
        forwardTextCompress(request as TextCompressProtocol, options.tier, options.service, { signal, deadline: state.deadline }),
        aborted,
      ]);
    } catch (err) {
      throw toRejection(err, state.timeoutS, signal);
    }
  };
}
