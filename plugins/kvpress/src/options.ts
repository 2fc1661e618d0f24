import { z } from '@neural-condense/sdk';
import { PRESS_NAMES } from './presses/index.js';

/** `target_model` strings validators send for Mistral-7B-Instruct-v0.2. */
export const MISTRAL_TARGET_MODELS = ['mistralai/Mistral-7B-Instruct-v0.2', 'Condense-AI/Mistral-7B-Instruct-v0.2'] as const;

const positiveInt = (what: string) => z.int({ error: `expected a positive integer (${what})` }).positive({ error: `expected a positive integer (${what})` });

/** Options of `@neural-condense/kvpress`, validated by core at start-up. */
export const kvpressOptions = z
  .object({
    /** `builtin:<name>`, a checkpoint directory, or a Hugging Face repo id already pulled. */
    model: z.string().min(1).default('builtin:tiny-mistral'),
    /** Which press scores the tokens. */
    press: z.enum(PRESS_NAMES, { error: `expected one of ${PRESS_NAMES.join(', ')}` }).default('knorm'),
    /** Fraction of tokens dropped, as kvpress' compression_ratio. */
    compressionRatio: z
      .number({ error: 'expected a number between 0 and 1' })
      .min(0, { error: 'expected a number between 0 and 1 (0 included)' })
      .lt(1, { error: 'expected a number between 0 and 1 (1 excluded: a press must keep something)' })
      .default(0.75),
    /** snapkv: recent queries that score the rest. */
    windowSize: positiveInt('snapkv window of recent queries').default(64),
    /** snapkv: odd pooling kernel. */
    kernelSize: positiveInt('snapkv pooling kernel')
      .refine((k) => k % 2 === 1, { error: 'expected an odd kernel size (avg_pool1d with padding k//2 keeps the length only for odd k)' })
      .default(5),
    /** streaming-llm, expected-attention, lagkv: leading sink tokens always kept. */
    nSink: z.int({ error: 'expected a non-negative integer' }).nonnegative({ error: 'expected a non-negative integer' }).default(4),
    /** expected-attention: future positions averaged over. */
    nFuturePositions: positiveInt('expected-attention future positions').default(512),
    /** expected-attention: include the query covariance term. */
    useCovariance: z.boolean().default(true),
    /** expected-attention: multiply by the value norm. */
    useVnorm: z.boolean().default(true),
    /** expected-attention: added before the value-norm product. */
    epsilon: z.number().nonnegative().default(0),
    /** lagkv: partition length. */
    lagSize: positiveInt('lagkv partition length').default(128),
    /** chunkkv: tokens per chunk. */
    chunkLength: positiveInt('chunkkv chunk length').default(20),
    /** chunkkv: the base press whose scores are pooled per chunk. */
    chunkPress: z.enum(PRESS_NAMES.filter((p) => p !== 'chunkkv') as [Exclude<(typeof PRESS_NAMES)[number], 'chunkkv'>, ...Exclude<(typeof PRESS_NAMES)[number], 'chunkkv'>[]]).default('knorm'),
    /** random: seed (unset: different every request). */
    seed: z.int().optional(),
    /** Move kept keys to the positions right before the validator's question (spec §2.2). */
    rerotateKeys: z.boolean().default(false),
    /** Execution provider of the onnx runtime. */
    device: z.enum(['cpu', 'cuda', 'webgpu']).default('cpu'),
    /** `onnx` (production) or `reference` (float64 TypeScript forward: tests and debugging, slow). */
    runtime: z.enum(['onnx', 'reference']).default('onnx'),
    /** Graph dtype; default float32 on cpu, float16 on cuda/webgpu. */
    dtype: z.enum(['float32', 'float16']).optional(),
    /** Longest context in tokens the onnx graph accepts. Default min(max_position_embeddings, 16384). */
    maxPositions: positiveInt('longest prefill in tokens').optional(),
    /** `target_model` strings served. Default: the Mistral ids for builtin models and Mistral-7B-Instruct-v0.2, else `model`. */
    servedModels: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

/** Options after defaults. */
export type KvpressOptions = z.output<typeof kvpressOptions>;

/** The `target_model` strings a compressor with these options serves. */
export function servedModels(options: Pick<KvpressOptions, 'model' | 'servedModels'>): string[] {
  if (options.servedModels) return [...options.servedModels];
  if (options.model.startsWith('builtin:') || /(^|\/)Mistral-7B-Instruct-v0\.2$/i.test(options.model)) return [...MISTRAL_TARGET_MODELS];
  return [options.model];
}
