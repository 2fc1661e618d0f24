import type { Context, Next } from 'koa';
import { ZodError } from 'zod';
import { isSynapseName, parseSynapse, SYNAPSE_NAMES } from '../../protocol/synapse.js';
import { AxonRejection } from '../rejection.js';
import { axonState } from './respond.js';

// Python prints the route list as a list repr.
const AVAILABLE = `[${SYNAPSE_NAMES.map((n) => `'${n}'`).join(', ')}]`;

function readLimited(ctx: Context, maxBytes: number): Promise<Buffer> {
  const declared = Number.parseInt(ctx.get('content-length') || '', 10);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(tooLarge(maxBytes));
  const req = ctx.req;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      // A chunked body that never declared its size: stop keeping it, let the rest drain
      // (destroying the request would take the socket, and our 413, with it).
      cleanup();
      req.resume();
      ctx.set('connection', 'close');
      reject(tooLarge(maxBytes));
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function tooLarge(maxBytes: number): AxonRejection {
  return new AxonRejection(413, `Request body too large: the axon accepts at most ${maxBytes} bytes`, 'body_too_large');
}

/**
 * First stage: the route must name a served synapse (404), the method be GET or POST,
 * the body fit `maxBodyBytes` (413) and parse into the synapse's fields (400/422).
 */
export function parseRequest(options: { maxBodyBytes: number }) {
  return async function parseMiddleware(ctx: Context, next: Next): Promise<void> {
    const state = axonState(ctx);
    if (!isSynapseName(state.name) || ctx.path !== `/${state.name}`) {
      throw new AxonRejection(404, `Synapse name '${state.name}' not found. Available synapses ${AVAILABLE}`, 'unknown_route');
    }
    state.synapse = state.name;
    if (ctx.method !== 'POST' && ctx.method !== 'GET') throw new AxonRejection(405, `Method ${ctx.method} not allowed; use POST`, 'method_not_allowed');
    const raw = await readLimited(ctx, options.maxBodyBytes);
    let json: unknown = {};
    if (raw.length > 0) {
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new AxonRejection(400, 'Improperly formatted request. The body is not JSON.', 'malformed');
      }
    }
    try {
      state.request = parseSynapse(state.synapse, json);
    } catch (err) {
      if (!(err instanceof ZodError)) throw err;
      const issue = err.issues[0];
      throw new AxonRejection(422, `Invalid ${state.synapse} body: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : err.message}`, 'invalid_body');
    }
    // JSON.parse rounds the 19-digit nonce; echo the exact value the header carried.
    const headerNonce = state.headers.dendrite.nonce;
    if (headerNonce !== undefined && /^\d{1,30}$/.test(headerNonce)) state.request.dendrite.nonce = BigInt(headerNonce);
    if (!ctx.get('timeout')) state.timeoutS = state.request.timeout > 0 ? state.request.timeout : state.timeoutS;
    await next();
  };
}
