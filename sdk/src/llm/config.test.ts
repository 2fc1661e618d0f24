import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { parseDecoderConfig } from './config.js';

// Mistral-7B-Instruct-v0.2's config.json as published (fields that matter here).
const mistral = {
  architectures: ['MistralForCausalLM'], model_type: 'mistral', hidden_act: 'silu', hidden_size: 4096, intermediate_size: 14336,
  num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 8, vocab_size: 32000, rms_norm_eps: 1e-5,
  rope_theta: 1000000.0, max_position_embeddings: 32768, sliding_window: null, tie_word_embeddings: false, bos_token_id: 1, eos_token_id: 2,
};

describe('parseDecoderConfig', () => {
  it('reads Mistral-7B-Instruct-v0.2 with GQA and derived head_dim', () => {
    const c = parseDecoderConfig(mistral, 'config.json');
    expect(c).toMatchObject({ architecture: 'mistral', numHeads: 32, numKvHeads: 8, headDim: 128, slidingWindow: null, ropeTheta: 1e6, tieWordEmbeddings: false, attentionBias: false, bosTokenId: 1, eosTokenId: 2 });
  });

  it('keeps Mistral v0.1 sliding window and an explicit head_dim', () => {
    const c = parseDecoderConfig({ ...mistral, sliding_window: 4096, head_dim: 64 }, 'x');
    expect(c.slidingWindow).toBe(4096);
    expect(c.headDim).toBe(64);
  });

  it('reads Llama 3.1 rope scaling, tied embeddings and a list of EOS ids', () => {
    const c = parseDecoderConfig(
      {
        architectures: ['LlamaForCausalLM'], hidden_size: 2048, intermediate_size: 8192, num_hidden_layers: 16, num_attention_heads: 32, num_key_value_heads: 8,
        vocab_size: 128256, rms_norm_eps: 1e-5, rope_theta: 500000, tie_word_embeddings: true, bos_token_id: 128000, eos_token_id: [128001, 128008, 128009],
        rope_scaling: { rope_type: 'llama3', factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
      },
      'x',
    );
    expect(c.ropeScaling).toEqual({ type: 'llama3', factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 });
    expect(c.headDim).toBe(64);
    expect(c.tieWordEmbeddings).toBe(true);
    expect(c.eosTokenId).toBe(128001);
  });

  it('gives Qwen2 q/k/v biases and ignores its window unless use_sliding_window', () => {
    const qwen = { ...mistral, architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', sliding_window: 4096, use_sliding_window: false, max_window_layers: 28 };
    expect(parseDecoderConfig(qwen, 'x')).toMatchObject({ architecture: 'qwen2', attentionBias: true, slidingWindow: null });
    expect(parseDecoderConfig({ ...qwen, use_sliding_window: true, max_window_layers: 0 }, 'x').slidingWindow).toBe(4096);
  });

  it('accepts the legacy `type` key and linear scaling', () => {
    expect(parseDecoderConfig({ ...mistral, rope_scaling: { type: 'linear', factor: 2 } }, 'x').ropeScaling).toEqual({ type: 'linear', factor: 2 });
  });

  const rejects: [string, object, RegExp][] = [
    ['unknown architecture', { ...mistral, architectures: ['GPT2LMHeadModel'] }, /architectures: "GPT2LMHeadModel" is not supported/],
    ['another activation', { ...mistral, hidden_act: 'gelu' }, /hidden_act: only "silu"/],
    ['yarn scaling', { ...mistral, rope_scaling: { rope_type: 'yarn', factor: 4 } }, /rope_scaling.rope_type: "yarn" is not supported/],
    ['llama3 scaling without a field', { ...mistral, rope_scaling: { rope_type: 'llama3', factor: 8 } }, /rope_scaling.low_freq_factor/],
    ['kv heads not dividing heads', { ...mistral, num_key_value_heads: 5 }, /num_key_value_heads: 5 does not divide/],
    ['missing hidden_size', { ...mistral, hidden_size: undefined }, /hidden_size: expected a positive integer/],
    ['Qwen2 partial sliding window', { ...mistral, architectures: ['Qwen2ForCausalLM'], use_sliding_window: true, sliding_window: 4096, max_window_layers: 21 }, /max_window_layers/],
    ['Llama attention bias', { ...mistral, architectures: ['LlamaForCausalLM'], attention_bias: true }, /attention_bias/],
  ];
  it.each(rejects)('rejects %s, naming the field', (_, json, message) => {
    expect(() => parseDecoderConfig(json, 'model/config.json')).toThrow(ConfigError);
    expect(() => parseDecoderConfig(json, 'model/config.json')).toThrow(message);
    expect(() => parseDecoderConfig(json, 'model/config.json')).toThrow(/^model\/config.json: /);
  });
});
