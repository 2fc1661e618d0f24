import { randomBytes, randomUUID } from 'node:crypto';
import {
  BadRequestError,
  CompressorError,
  ContextTooLongError,
  UnsupportedModelError,
  encodeKvCacheNpy,
  throwIfAborted,
  type ArtifactStore,
  type Clock,
  type CompressionResult,
  type Compressor,
  type Logger,
  type NpyDtype,
  type TierSpec,
} from '@neural-condense/sdk';
import { condenseDuration, condenseRequests } from '../metrics.js';
import { deadlineSignal } from './deadline.js';
import type { JobQueue } from './job-queue.js';
import type { CondenseInput, CondenseOptions, CondenseOutput, CondenseService } from './types.js';

export interface CondensePipelineDeps {
  compressor: Compressor;
  store: ArtifactStore;
  tier: TierSpec;
  queue: JobQueue;
  clock: Clock;
  logger: Logger;
  dtype: NpyDtype;
}

/**
 * tier checks -> queue (one compressor job at a time) -> compress -> .npy stream -> store.
 * The upload runs outside the queue so the next request can use the compressor meanwhile.
 */
export class CondensePipeline implements CondenseService {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly deps: CondensePipelineDeps) {}

  condense(input: CondenseInput, options: CondenseOptions = {}): Promise<CondenseOutput> {
    const work = this.run(input, options);
    const tracked = work.catch(() => {}).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    return work;
  }

  /** Refuses new requests and resolves when every accepted one (uploads included) is done. */
  async close(): Promise<void> {
    await this.deps.queue.close();
    await Promise.all([...this.inFlight]);
  }

  private async run(input: CondenseInput, options: CondenseOptions): Promise<CondenseOutput> {
    const { tier, clock, queue, compressor } = this.deps;
    const started = clock.now();
    const id = options.requestId ?? randomUUID();
    const log = this.deps.logger.child({ requestId: id });
    try {
      this.checkInput(input);
      const deadline = options.deadline ?? started + tier.timeoutMs;
      const { signal, dispose } = deadlineSignal(deadline, started, options.signal);
      try {
        let queuedMs = 0;
        const result = await queue.run(async () => {
          queuedMs = clock.now() - started;
          return compressor.compress({
            id,
            context: input.context,
            targetModel: input.targetModel,
            tier: tier.name,
            tokenBudget: { min: tier.minCondensedTokens, max: tier.maxCondensedTokens },
            deadline,
            signal,
          });
        }, signal);
        const compressedAt = clock.now();
        throwIfAborted(signal);
        const output = await this.deliver(result, input.targetModel, signal);
        const done = clock.now();
        output.timings = {
          queue_ms: queuedMs,
          compress_ms: compressedAt - started - queuedMs,
          ...wireTimings(result.timings),
          upload_ms: done - compressedAt,
          total_ms: done - started,
        };
        condenseDuration.observe({ stage: 'total' }, (done - started) / 1000);
        condenseDuration.observe({ stage: 'compress' }, output.timings.compress_ms / 1000);
        condenseDuration.observe({ stage: 'upload' }, output.timings.upload_ms / 1000);
        condenseRequests.inc({ outcome: 'ok' });
        log.info({ tokens: output.compressed_tokens, bytes: output.bytes, timings: output.timings }, 'condensed');
        return output;
      } finally {
        dispose();
      }
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'internal';
      condenseRequests.inc({ outcome: code });
      log.warn({ err: { code, message: (err as Error).message } }, 'condense failed');
      throw err;
    }
  }

  private checkInput(input: CondenseInput): void {
    const { tier, compressor } = this.deps;
    if (typeof input.context !== 'string' || input.context.length === 0) throw new BadRequestError('context must be a non-empty string');
    if (typeof input.targetModel !== 'string' || input.targetModel.length === 0) throw new BadRequestError('target_model must be a non-empty string');
    const chars = codePoints(input.context);
    if (chars > tier.maxContextChars) throw new ContextTooLongError(chars, tier.maxContextChars);
    if (!compressor.supportedModels.includes(input.targetModel)) throw new UnsupportedModelError(input.targetModel, compressor.supportedModels);
  }

  private async deliver(result: CompressionResult, targetModel: string, signal: AbortSignal): Promise<CondenseOutput> {
    const { tier, store, compressor } = this.deps;
    if (result.kind !== tier.output) {
      throw new CompressorError(compressor.name, `returned a ${result.kind} result, but tier '${tier.name}' expects ${tier.output}`);
    }
    if (result.kind === 'text') return { target_model: targetModel, compressed_context: result.compressedContext, timings: {} };
    const { cache } = result;
    if (cache.tokens < tier.minCondensedTokens || cache.tokens > tier.maxCondensedTokens) {
      throw new CompressorError(
        compressor.name,
        `produced ${cache.tokens} condensed tokens, outside tier '${tier.name}' bounds [${tier.minCondensedTokens}, ${tier.maxCondensedTokens}]`,
      );
    }
    const npy = encodeKvCacheNpy(cache, this.deps.dtype);
    const key = `${randomBytes(16).toString('hex')}.npy`;
    const stored = await store.put({ key, body: npy.chunks(), size: npy.size, contentType: 'application/octet-stream', signal });
    return { target_model: targetModel, compressed_kv_url: stored.url, compressed_tokens: cache.tokens, bytes: stored.size, timings: {} };
  }
}

/** A compressor's stage timings in the wire's style: `prefillMs` → `prefill_ms`, 0.1 ms resolution. */
function wireTimings(timings: Record<string, number> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, ms] of Object.entries(timings ?? {})) {
    const name = key.replace(/Ms$/, '').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace(/_ms$/, '');
    out[`${name}_ms`] = Math.round(ms * 10) / 10;
  }
  return out;
}

/** Python's len(): code points, not UTF-16 units. */
function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}
