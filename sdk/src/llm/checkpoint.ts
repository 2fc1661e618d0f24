import { access, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { parseDecoderConfig } from './config.js';
import { readSafetensorsDir, readTensor, type TensorInfo } from './safetensors.js';
import type { DecoderConfig } from './types.js';

/** A Hugging Face checkpoint directory opened for reading: config, tensor index, tokenizer. */
export interface Checkpoint {
  /** Absolute path of the directory. */
  dir: string;
  config: DecoderConfig;
  /** Every tensor in the safetensors file(s), by Hugging Face name. */
  tensors: Map<string, TensorInfo>;
  /** Reads one tensor as float32 (F16/BF16 converted). */
  readTensor(name: string): Promise<Float32Array>;
  /** Path of `tokenizer.json`, or null when the directory has none. */
  tokenizerPath: string | null;
}

/** One weight a decoder of this config needs, with its expected shape. */
export interface RequiredWeight {
  name: string;
  shape: number[];
}

/** Hugging Face tensor names of one decoder layer. */
export function layerWeightName(layer: number, part: string): string {
  return `model.layers.${layer}.${part}`;
}

/** The weights a decoder of this config needs (Hugging Face names and shapes), in a stable order. */
export function requiredWeights(c: DecoderConfig): RequiredWeight[] {
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  const out: RequiredWeight[] = [{ name: 'model.embed_tokens.weight', shape: [c.vocabSize, c.hiddenSize] }];
  for (let l = 0; l < c.numLayers; l++) {
    const w = (part: string, shape: number[]) => out.push({ name: layerWeightName(l, part), shape });
    w('input_layernorm.weight', [c.hiddenSize]);
    w('self_attn.q_proj.weight', [q, c.hiddenSize]);
    w('self_attn.k_proj.weight', [kv, c.hiddenSize]);
    w('self_attn.v_proj.weight', [kv, c.hiddenSize]);
    if (c.attentionBias) {
      w('self_attn.q_proj.bias', [q]);
      w('self_attn.k_proj.bias', [kv]);
      w('self_attn.v_proj.bias', [kv]);
    }
    w('self_attn.o_proj.weight', [c.hiddenSize, q]);
    w('post_attention_layernorm.weight', [c.hiddenSize]);
    w('mlp.gate_proj.weight', [c.intermediateSize, c.hiddenSize]);
    w('mlp.up_proj.weight', [c.intermediateSize, c.hiddenSize]);
    w('mlp.down_proj.weight', [c.hiddenSize, c.intermediateSize]);
  }
  out.push({ name: 'model.norm.weight', shape: [c.hiddenSize] });
  if (!c.tieWordEmbeddings) out.push({ name: 'lm_head.weight', shape: [c.vocabSize, c.hiddenSize] });
  return out;
}

const FLOATS = new Set(['F32', 'F16', 'BF16']);

/**
 * Opens a checkpoint directory and checks every weight the architecture needs is present
 * with the right shape and a float dtype; the error lists every problem at once.
 */
export async function loadCheckpoint(checkpointDir: string): Promise<Checkpoint> {
  const dir = resolve(checkpointDir);
  const configPath = join(dir, 'config.json');
  let raw: string;
  try {
    raw = await readFile(configPath, 'utf8');
  } catch {
    throw new ConfigError('', `no config.json in ${dir}; expected a Hugging Face checkpoint directory`, configPath);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new ConfigError('', `not valid JSON (${(e as Error).message})`, configPath);
  }
  const config = parseDecoderConfig(json, configPath);
  const tensors = await readSafetensorsDir(dir);

  const problems: string[] = [];
  for (const w of requiredWeights(config)) {
    const t = tensors.get(w.name);
    if (!t) problems.push(`missing ${w.name} ${JSON.stringify(w.shape)}`);
    else if (JSON.stringify(t.shape) !== JSON.stringify(w.shape)) problems.push(`${w.name} has shape ${JSON.stringify(t.shape)}, expected ${JSON.stringify(w.shape)}`);
    else if (!FLOATS.has(t.dtype)) problems.push(`${w.name} has dtype ${t.dtype}, expected F32, F16 or BF16`);
  }
  if (problems.length > 0) {
    throw new ConfigError('', `checkpoint does not match its config.json (${config.architecture}):\n  ${problems.join('\n  ')}`, dir);
  }

  const tokenizerPath = join(dir, 'tokenizer.json');
  const hasTokenizer = await access(tokenizerPath).then(
    () => true,
    () => false,
  );
  return {
    dir,
    config,
    tensors,
    tokenizerPath: hasTokenizer ? tokenizerPath : null,
    async readTensor(name: string) {
      const t = tensors.get(name);
      if (!t) throw new ConfigError('', `no tensor named ${name}`, dir);
      return readTensor(t);
    },
  };
}
