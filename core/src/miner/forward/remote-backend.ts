import { CondenseError, DeadlineExceededError } from '@neural-condense/sdk';
import type { CondenseInput, CondenseOptions, CondenseOutput, CondenseService } from '../../pipeline/types.js';

/** A remote backend answered with an error or could not be reached; `status` is what the axon replies. */
export class RemoteBackendError extends CondenseError {
  constructor(
    readonly status: number,
    message: string,
    cause?: unknown,
  ) {
    super('internal', message, { cause });
  }
}

/** Where the remote backend listens (`--miner.backend_host/--miner.backend_port`). */
export interface RemoteBackendOptions {
  host: string;
  port: number;
  /** fetch implementation (tests); default the global one. */
  fetch?: typeof fetch;
}

/**
 * A CondenseService that POSTs `{context, target_model}` to `http://host:port/condense`,
 * the original miner's layout. The call is aborted with the request's signal, so a slow
 * backend never holds a synapse past its timeout.
 */
export function createRemoteBackend(options: RemoteBackendOptions): CondenseService {
  const doFetch = options.fetch ?? fetch;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${options.port}/condense`;
  return {
    async condense(input: CondenseInput, opts: CondenseOptions = {}): Promise<CondenseOutput> {
      let response: Response;
      try {
        response = await doFetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(opts.requestId ? { 'x-request-id': opts.requestId } : {}) },
          body: JSON.stringify({ context: input.context, target_model: input.targetModel }),
          signal: opts.signal,
        });
      } catch (err) {
        if (opts.signal?.aborted) throw new DeadlineExceededError(`backend ${url} did not answer before the synapse timeout`);
        const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
        throw new RemoteBackendError(502, `backend ${url} unreachable (${cause}); is \`condense backend\` running there?`, err);
      }
      const text = await response.text().catch(() => '');
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      if (!response.ok) {
        const detail = (body as { detail?: unknown } | undefined)?.detail;
        const error = (body as { error?: unknown } | undefined)?.error;
        const why = typeof detail === 'string' ? detail : typeof error === 'string' ? error : text.slice(0, 200) || response.statusText;
        // 4xx are the request's fault and keep their meaning; a failing backend is a bad gateway.
        throw new RemoteBackendError(response.status < 500 ? response.status : 502, `backend answered ${response.status}: ${why}`);
      }
      if (body === null || typeof body !== 'object') throw new RemoteBackendError(502, `backend ${url} answered 200 without a JSON object`);
      return body as CondenseOutput;
    },
  };
}
