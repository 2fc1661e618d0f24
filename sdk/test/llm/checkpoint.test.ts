import { readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@neural-condense/sdk';
import { loadCheckpoint, readSafetensorsHeader, TEST_MODELS, writeSafetensors, writeTestModel } from '@neural-condense/sdk/llm';
import { useTempDir } from '../helpers/temp-dir.js';

const tmp = useTempDir('ckpt');

describe('test models and checkpoints', () => {
  it('writes a real-format checkpoint that loads back with the spec it was made from', async () => {
    const m = join(tmp.path, 'tied');
    await writeTestModel(m, TEST_MODELS.llamaTied);
    const ckpt = await loadCheckpoint(m);
    expect(ckpt.config).toMatchObject({ architecture: 'llama', numLayers: 2, hiddenSize: 64, numHeads: 4, numKvHeads: 4, headDim: 16, tieWordEmbeddings: true, vocabSize: 32000 });
    expect(ckpt.tensors.has('lm_head.weight')).toBe(false);
    expect(ckpt.tokenizerPath).toBe(join(m, 'tokenizer.json'));
    const norm = await ckpt.readTensor('model.layers.1.input_layernorm.weight');
    const mean = norm.reduce((a, b) => a + b, 0) / norm.length;
    expect(Math.abs(mean - 1)).toBeLessThan(0.05); // norms ~ 1 ± 0.1
    const config = JSON.parse(await readFile(join(m, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ architectures: ['LlamaForCausalLM'], num_key_value_heads: 4, tie_word_embeddings: true });
  });

  it('is deterministic in its seed and stores the chosen dtype', async () => {
    await writeTestModel(join(tmp.path, 'a'), { ...TEST_MODELS.qwen2Bias, dtype: 'BF16' });
    await writeTestModel(join(tmp.path, 'b'), { ...TEST_MODELS.qwen2Bias, dtype: 'BF16' });
    await writeTestModel(join(tmp.path, 'c'), { ...TEST_MODELS.qwen2Bias, dtype: 'BF16', seed: 99 });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((x) => readFile(join(tmp.path, x, 'model.safetensors'))));
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
    const header = await readSafetensorsHeader(join(tmp.path, 'a', 'model.safetensors'));
    expect(new Set(header.tensors.map((t) => t.dtype))).toEqual(new Set(['BF16']));
    expect(header.tensors.some((t) => t.name === 'model.layers.0.self_attn.q_proj.bias')).toBe(true);
  });

  it('splits into shards with an index and reads them as one checkpoint', async () => {
    const m = join(tmp.path, 'sharded');
    await writeTestModel(m, { ...TEST_MODELS.mistralSlidingWindow, shards: 3 });
    const index = JSON.parse(await readFile(join(m, 'model.safetensors.index.json'), 'utf8'));
    expect(new Set(Object.values(index.weight_map))).toEqual(new Set(['model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors']));
    const ckpt = await loadCheckpoint(m);
    expect(ckpt.config.slidingWindow).toBe(16);
    expect(ckpt.tensors.get('lm_head.weight')?.file).toBe(join(m, 'model-00003-of-00003.safetensors'));
  });

  it('lists every missing or misshapen weight at once', async () => {
    const m = join(tmp.path, 'broken');
    await writeTestModel(m, TEST_MODELS.llamaTied);
    const ckpt = await loadCheckpoint(m);
    // Rewrite the file without layer 1's q_proj and with a wrong-shaped k_proj.
    const kept = [];
    for (const [name, info] of ckpt.tensors) {
      if (name === 'model.layers.1.self_attn.q_proj.weight') continue;
      const data = await ckpt.readTensor(name);
      kept.push(name === 'model.layers.0.self_attn.k_proj.weight' ? { name, shape: [32, 64], data: data.subarray(0, 32 * 64) } : { name, shape: info.shape, data });
    }
    await writeSafetensors(join(m, 'model.safetensors'), kept);
    const error = await loadCheckpoint(m).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('missing model.layers.1.self_attn.q_proj.weight [64,64]');
    expect((error as Error).message).toContain('model.layers.0.self_attn.k_proj.weight has shape [32,64], expected [64,64]');
  });

  it('explains a directory that is not a checkpoint', async () => {
    const m = join(tmp.path, 'noconfig');
    await writeTestModel(m, TEST_MODELS.llamaTied);
    await unlink(join(m, 'config.json'));
    await expect(loadCheckpoint(m)).rejects.toThrow(/no config.json in .*expected a Hugging Face checkpoint directory/);
    await writeFile(join(m, 'config.json'), '{');
    await expect(loadCheckpoint(m)).rejects.toThrow(/not valid JSON/);
  });
});
