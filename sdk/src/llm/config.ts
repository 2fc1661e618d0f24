import { ConfigError } from '../errors.js';
import type { DecoderConfig, RopeScaling } from './types.js';

// Normalises a Hugging Face `config.json` of the Llama family into a DecoderConfig. Anything
// the runtime would silently compute wrong (another activation, MLP bias, Qwen2's per-layer
// sliding window, YaRN) is refused with the field named, rather than approximated.

type Json = Record<string, unknown>;

const ARCHITECTURES: Record<string, DecoderConfig['architecture']> = {
  LlamaForCausalLM: 'llama',
  MistralForCausalLM: 'mistral',
  Qwen2ForCausalLM: 'qwen2',
};

/** Parses a Hugging Face `config.json` (already JSON-parsed); `source` names the file in errors. */
export function parseDecoderConfig(json: unknown, source: string): DecoderConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigError('', 'expected a JSON object', source);
  }
  const c = json as Json;
  const architecture = pickArchitecture(c, source);

  const int = (field: string, fallback?: number): number => {
    const v = c[field] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new ConfigError(field, `expected a positive integer, got ${JSON.stringify(c[field])}`, source);
    }
    return v;
  };
  const num = (field: string, fallback: number): number => {
    const v = c[field] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new ConfigError(field, `expected a positive number, got ${JSON.stringify(c[field])}`, source);
    }
    return v;
  };

  const hiddenSize = int('hidden_size');
  const numHeads = int('num_attention_heads');
  const numKvHeads = int('num_key_value_heads', numHeads);
  if (numHeads % numKvHeads !== 0) {
    throw new ConfigError('num_key_value_heads', `${numKvHeads} does not divide num_attention_heads ${numHeads}`, source);
  }
  const headDim = c.head_dim == null ? hiddenSize / numHeads : int('head_dim');
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) {
    throw new ConfigError('head_dim', `derived head_dim ${headDim} (hidden_size / num_attention_heads) must be an even integer`, source);
  }

  const act = c.hidden_act ?? 'silu';
  if (act !== 'silu') throw new ConfigError('hidden_act', `only "silu" is supported, got ${JSON.stringify(act)}`, source);
  if (c.mlp_bias === true) throw new ConfigError('mlp_bias', 'MLP biases are not supported', source);
  if (architecture === 'llama' && c.attention_bias === true) {
    // Llama's attention_bias also puts a bias on o_proj, which the runtime does not model.
    throw new ConfigError('attention_bias', 'Llama attention biases (q/k/v/o) are not supported', source);
  }

  return {
    architecture,
    hiddenSize,
    intermediateSize: int('intermediate_size'),
    numLayers: int('num_hidden_layers'),
    numHeads,
    numKvHeads,
    headDim,
    vocabSize: int('vocab_size'),
    rmsNormEps: num('rms_norm_eps', 1e-6),
    ropeTheta: num('rope_theta', 10000),
    ropeScaling: parseRopeScaling(c.rope_scaling, source),
    maxPositionEmbeddings: int('max_position_embeddings', 2048),
    slidingWindow: parseSlidingWindow(c, architecture, source),
    tieWordEmbeddings: c.tie_word_embeddings === true,
    attentionBias: architecture === 'qwen2',
    bosTokenId: tokenId(c.bos_token_id, 'bos_token_id', source),
    eosTokenId: tokenId(c.eos_token_id, 'eos_token_id', source),
  };
}

function pickArchitecture(c: Json, source: string): DecoderConfig['architecture'] {
  const archs = c.architectures;
  if (Array.isArray(archs) && archs.length > 0) {
    const found = ARCHITECTURES[String(archs[0])];
    if (!found) {
      throw new ConfigError('architectures', `${JSON.stringify(archs[0])} is not supported; supported: ${Object.keys(ARCHITECTURES).join(', ')}`, source);
    }
    return found;
  }
  const byType = Object.values(ARCHITECTURES).find((a) => a === c.model_type);
  if (!byType) {
    throw new ConfigError('model_type', `${JSON.stringify(c.model_type)} is not supported; supported: llama, mistral, qwen2`, source);
  }
  return byType;
}

function parseRopeScaling(raw: unknown, source: string): RopeScaling | null {
  if (raw == null) return null;
  if (typeof raw !== 'object') throw new ConfigError('rope_scaling', 'expected an object or null', source);
  const r = raw as Json;
  const kind = r.rope_type ?? r.type;
  const field = (name: string): number => {
    const v = r[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new ConfigError(`rope_scaling.${name}`, `expected a positive number, got ${JSON.stringify(v)}`, source);
    }
    return v;
  };
  switch (kind) {
    case 'default':
      return null;
    case 'linear':
      return { type: 'linear', factor: field('factor') };
    case 'llama3':
      return {
        type: 'llama3',
        factor: field('factor'),
        lowFreqFactor: field('low_freq_factor'),
        highFreqFactor: field('high_freq_factor'),
        originalMaxPositionEmbeddings: field('original_max_position_embeddings'),
      };
    default:
      throw new ConfigError('rope_scaling.rope_type', `${JSON.stringify(kind)} is not supported; supported: default, linear, llama3`, source);
  }
}

function parseSlidingWindow(c: Json, architecture: DecoderConfig['architecture'], source: string): number | null {
  if (architecture === 'llama') return null;
  if (architecture === 'qwen2' && c.use_sliding_window !== true) return null;
  const w = c.sliding_window;
  if (w == null) return null;
  if (typeof w !== 'number' || !Number.isInteger(w) || w <= 0) {
    throw new ConfigError('sliding_window', `expected a positive integer or null, got ${JSON.stringify(w)}`, source);
  }
  if (architecture === 'qwen2') {
    // Qwen2 slides only on layers >= max_window_layers; one window for all layers or none.
    const layers = c.num_hidden_layers as number;
    const from = typeof c.max_window_layers === 'number' ? c.max_window_layers : layers;
    if (from >= layers) return null;
    if (from !== 0) {
      throw new ConfigError('max_window_layers', `a sliding window on only some layers (from layer ${from} of ${layers}) is not supported`, source);
    }
  }
  return w;
}

function tokenId(v: unknown, field: string, source: string): number | null {
  if (v == null) return null;
  const first = Array.isArray(v) ? v[0] : v; // Llama 3.1 lists several EOS ids
  if (typeof first !== 'number' || !Number.isInteger(first) || first < 0) {
    throw new ConfigError(field, `expected a token id, got ${JSON.stringify(v)}`, source);
  }
  return first;
}
