import type Router from '@koa/router';
import { BadRequestError } from '@neural-condense/sdk';
import type { CondenseService } from '../../pipeline/types.js';
import type { ErrorBody } from '../middleware/errors.js';

/** Who may call `POST /condense`, by the caller's socket address. */
export type CondenseAccess = (remoteAddress: string) => boolean;

/** Anyone: a standalone backend behind a separate axon host (the original's layout). */
export const anyCaller: CondenseAccess = () => true;

/** This machine only: the miner runs the backend in-process and validators come through the axon. */
export const loopbackOnly: CondenseAccess = (address) => /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/.test(address);

/** `POST /condense {context, target_model}` → `{target_model, compressed_kv_url, compressed_tokens, bytes, timings}`. */
export function condenseRoute(router: Router, service: CondenseService, access: CondenseAccess = anyCaller): void {
  router.post('/condense', async (ctx) => {
    if (!access(ctx.req.socket.remoteAddress ?? '')) {
      ctx.status = 403;
      ctx.body = { error: 'forbidden', detail: 'POST /condense is served to this machine only while the miner runs the backend; validators go through the axon' } satisfies ErrorBody;
      return;
    }
    if (!ctx.is('application/json')) throw new BadRequestError('expected a JSON body (Content-Type: application/json)');
    const body: unknown = ctx.request.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequestError('the body must be a JSON object with context and target_model');
    const { context, target_model: targetModel } = body as Record<string, unknown>;
    if (typeof context !== 'string') throw new BadRequestError(`context must be a string, got ${describe(context)}`);
    if (typeof targetModel !== 'string') throw new BadRequestError(`target_model must be a string, got ${describe(targetModel)}`);
    // The client going away aborts queued or running work.
    const abort = new AbortController();
    const onClose = () => !ctx.res.writableFinished && abort.abort();
    ctx.res.once('close', onClose);
    try {
      ctx.body = await service.condense({ context, targetModel }, { signal: abort.signal, requestId: ctx.state.requestId as string });
    } finally {
      ctx.res.off('close', onClose);
    }
  });
}

function describe(v: unknown): string {
  return v === undefined ? 'nothing (missing)' : v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}
