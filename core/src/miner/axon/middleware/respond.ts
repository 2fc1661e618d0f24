import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from '@neural-condense/sdk';
import { EMPTY_BODY_HASH } from '../../protocol/body-hash.js';
import { parseSynapseHeaders, synapseToHeaders } from '../../protocol/headers.js';
import { stringifyWithBigInt } from '../../protocol/json.js';
import { AXON_VERSION } from '../../protocol/version.js';
import { axonDuration, axonRequests } from '../metrics.js';
import { AxonRejection } from '../rejection.js';
import type { AxonRequestState } from '../state.js';

/** Reads `ctx.state.axon`, set by this middleware before anything else runs. */
export function axonState(ctx: Context): AxonRequestState {
  return ctx.state.axon as AxonRequestState;
}

function elapsedS(state: AxonRequestState): number {
  return (performance.now() - state.startedAt) / 1000;
}

/**
 * Outermost middleware: opens the request state, then writes the reply the Python dendrite
 * expects. Success: the synapse as JSON with `axon.status_code` 200 and `process_time`.
 * Rejection: `{"message"}` with the status and `bt_header_axon_status_*` headers.
 * Always `Content-Type: application/json`, or aiohttp refuses the body.
 */
export function respond(options: { logger: Logger; axonUuid: string; nowNs: () => bigint }) {
  return async function respondMiddleware(ctx: Context, next: Next): Promise<void> {
    const headers = parseSynapseHeaders(ctx.req.headers);
    const timeoutS = Number.parseFloat(headers.timeout ?? '');
    const state: AxonRequestState = {
      name: ctx.path.split('/')[1] ?? '',
      headers,
      startedAt: performance.now(),
      timeoutS: Number.isFinite(timeoutS) && timeoutS > 0 ? timeoutS : 12,
    };
    ctx.state.axon = state;
    let status: number;
    try {
      await next();
      if (!state.response) throw new Error('axon pipeline finished without a response');
      status = 200;
      const synapse = state.response;
      synapse.axon = { ...synapse.axon, status_code: 200, status_message: 'Success', process_time: elapsedS(state) };
      ctx.status = 200;
      ctx.set(synapseToHeaders({ ...synapse, computed_body_hash: EMPTY_BODY_HASH }));
      ctx.type = 'application/json';
      ctx.body = stringifyWithBigInt(synapse);
      axonRequests.inc({ synapse: state.synapse ?? 'unknown', outcome: 'served' });
    } catch (err) {
      let rejection: AxonRejection;
      if (err instanceof AxonRejection) {
        rejection = err;
      } else {
        const id = randomUUID();
        options.logger.error({ err: { message: (err as Error).message, stack: (err as Error).stack }, errorId: id, synapse: state.name }, 'axon request failed');
        rejection = new AxonRejection(500, `Internal Server Error #${id}`, 'internal');
      }
      status = rejection.status;
      if (status >= 500 && rejection.reason !== 'internal') options.logger.warn({ synapse: state.name, status, reason: rejection.reason, message: rejection.message }, 'axon request failed');
      ctx.status = status;
      // bittensor echoes the header-parsed synapse, with the axon's own terminal info.
      ctx.set(
        synapseToHeaders({
          name: state.name,
          timeout: state.timeoutS,
          computed_body_hash: headers.computedBodyHash ?? '',
          dendrite: { ...headers.dendrite, ip: ctx.req.socket?.remoteAddress ?? null },
          axon: {
            ...headers.axon,
            status_code: status,
            status_message: rejection.message,
            process_time: elapsedS(state),
            version: AXON_VERSION,
            uuid: options.axonUuid,
            nonce: options.nowNs(),
          },
        }),
      );
      ctx.type = 'application/json';
      ctx.body = JSON.stringify({ message: rejection.message });
      axonRequests.inc({ synapse: state.synapse ?? 'unknown', outcome: rejection.reason });
    }
    axonDuration.observe({ synapse: state.synapse ?? 'unknown', status: String(status) }, elapsedS(state));
  };
}
