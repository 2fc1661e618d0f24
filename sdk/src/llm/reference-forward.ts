import { throwIfAborted } from '../errors.js';
import { layerWeightName, requiredWeights, type Checkpoint } from './checkpoint.js';
import { applyRotary, ropeInvFreq, ropeTables } from './rope.js';
import type { DecoderConfig, LayerOutputs, PrefillEngine, PrefillExtras, PrefillOutputs, PrefillRequest } from './types.js';

// A plain float64 forward pass of the Llama/Mistral/Qwen2 decoder, written for obviousness:
// it is the oracle the ONNX graphs and the presses are checked against. Every step follows
// transformers' modeling code (eager attention): RMSNorm, q/k/v projections (+bias), RoPE
// with rotate_half, causal (optionally sliding-window) GQA softmax attention, o_proj,
// SiLU-gated MLP, residuals. No final norm and no lm_head: a prefill only needs the cache.

/** Decoder weights by Hugging Face name, as float32. */
export type DecoderWeights = ReadonlyMap<string, Float32Array>;

/** y[n, out] = x[n, in] · W[out, in]ᵀ (+ bias). */
function linear(x: Float64Array, n: number, inDim: number, w: Float32Array, outDim: number, bias?: Float32Array): Float64Array {
  const y = new Float64Array(n * outDim);
  for (let t = 0; t < n; t++) {
    const xo = t * inDim;
    for (let o = 0; o < outDim; o++) {
      const wo = o * inDim;
      let s = bias ? bias[o] : 0;
      for (let i = 0; i < inDim; i++) s += x[xo + i] * w[wo + i];
      y[t * outDim + o] = s;
    }
  }
  return y;
}

/** RMSNorm over the last dimension: x / sqrt(mean(x²) + eps) · weight. */
function rmsNorm(x: Float64Array, n: number, dim: number, weight: Float32Array, eps: number): Float64Array {
  const y = new Float64Array(n * dim);
  for (let t = 0; t < n; t++) {
    let ss = 0;
    for (let i = 0; i < dim; i++) ss += x[t * dim + i] ** 2;
    const inv = 1 / Math.sqrt(ss / dim + eps);
    for (let i = 0; i < dim; i++) y[t * dim + i] = x[t * dim + i] * inv * weight[i];
  }
  return y;
}

/** [n, heads·d] (token-major, as a projection yields) → [heads, n, d] (head-major, as the cache stores). */
function toHeadMajor(x: Float64Array, n: number, heads: number, d: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let t = 0; t < n; t++) {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < d; i++) y[(h * n + t) * d + i] = x[(t * heads + h) * d + i];
    }
  }
  return y;
}

/** Mean and covariance (divided by N, centred) of pre-RoPE queries over positions >= skipFirst. */
function queryStatistics(q: Float64Array, heads: number, n: number, d: number, skipFirst: number): { mean: Float32Array; cov: Float32Array } {
  const mean = new Float32Array(heads * d);
  const cov = new Float32Array(heads * d * d);
  const count = n - skipFirst;
  if (count <= 0) return { mean, cov };
  for (let h = 0; h < heads; h++) {
    const mu = new Float64Array(d);
    for (let t = skipFirst; t < n; t++) for (let i = 0; i < d; i++) mu[i] += q[(h * n + t) * d + i];
    for (let i = 0; i < d; i++) mu[i] /= count;
    const c = new Float64Array(d * d);
    const centred = new Float64Array(d);
    for (let t = skipFirst; t < n; t++) {
      for (let i = 0; i < d; i++) centred[i] = q[(h * n + t) * d + i] - mu[i];
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) c[i * d + j] += centred[i] * centred[j];
    }
    for (let i = 0; i < d; i++) mean[h * d + i] = mu[i];
    for (let k = 0; k < d * d; k++) cov[h * d * d + k] = c[k] / count;
  }
  return { mean, cov };
}

/**
 * Runs the decoder on `inputIds` (positions 0..n-1) and returns every layer's post-RoPE keys,
 * values and the requested extras. A pure function of weights and ids.
 */
export function referenceForward(config: DecoderConfig, weights: DecoderWeights, inputIds: readonly number[], extras: PrefillExtras = {}, signal?: AbortSignal): PrefillOutputs {
  const { hiddenSize: H, numHeads: nH, numKvHeads: nKv, headDim: d, intermediateSize: I } = config;
  const n = inputIds.length;
  const w = (name: string): Float32Array => {
    const t = weights.get(name);
    if (!t) throw new Error(`reference forward: missing weight ${name}`);
    return t;
  };
  const group = nH / nKv;
  const scale = 1 / Math.sqrt(d);
  const tables = ropeTables(ropeInvFreq(config), Array.from({ length: n }, (_, i) => i));
  const window = config.slidingWindow;

  const embed = w('model.embed_tokens.weight');
  const x = new Float64Array(n * H);
  inputIds.forEach((id, t) => {
    if (!Number.isInteger(id) || id < 0 || id >= config.vocabSize) throw new RangeError(`token id ${id} at position ${t} is outside the vocabulary (0..${config.vocabSize - 1})`);
    for (let i = 0; i < H; i++) x[t * H + i] = embed[id * H + i];
  });

  const layers: LayerOutputs[] = [];
  for (let l = 0; l < config.numLayers; l++) {
    throwIfAborted(signal);
    const p = (part: string) => w(layerWeightName(l, part));
    const bias = (part: string) => (config.attentionBias ? p(part) : undefined);
    const h = rmsNorm(x, n, H, p('input_layernorm.weight'), config.rmsNormEps);
    const q = toHeadMajor(linear(h, n, H, p('self_attn.q_proj.weight'), nH * d, bias('self_attn.q_proj.bias')), n, nH, d);
    const k = toHeadMajor(linear(h, n, H, p('self_attn.k_proj.weight'), nKv * d, bias('self_attn.k_proj.bias')), n, nKv, d);
    const v = toHeadMajor(linear(h, n, H, p('self_attn.v_proj.weight'), nKv * d, bias('self_attn.v_proj.bias')), n, nKv, d);

    const out: LayerOutputs = { key: new Float32Array(0), value: Float32Array.from(v) };
    if (extras.queryStats) {
      const { mean, cov } = queryStatistics(q, nH, n, d, extras.queryStats.skipFirst);
      out.queryMean = mean;
      out.queryCov = cov;
    }
    applyRotary(q, nH, n, tables);
    applyRotary(k, nKv, n, tables);
    out.key = Float32Array.from(k);
    if (extras.queryWindow) {
      const win = Math.min(extras.queryWindow, n);
      const qw = new Float32Array(nH * win * d);
      for (let hh = 0; hh < nH; hh++) qw.set(q.subarray((hh * n + n - win) * d, (hh * n + n) * d), hh * win * d);
      out.queryWindow = qw;
    }

    // Causal softmax attention; query head hh reads kv head floor(hh / group).
    const attn = new Float64Array(n * nH * d); // token-major for o_proj
    const colSums = extras.attentionColumnSums ? new Float32Array(nH * n) : undefined;
    const probs = new Float64Array(n);
    for (let hh = 0; hh < nH; hh++) {
      const g = Math.floor(hh / group);
      const colAcc = new Float64Array(n);
      for (let t = 0; t < n; t++) {
        // Sliding window as transformers masks it: key s is visible from t iff t - window < s <= t.
        const first = window === null ? 0 : Math.max(0, t - window + 1);
        let max = -Infinity;
        for (let s = first; s <= t; s++) {
          let dot = 0;
          for (let i = 0; i < d; i++) dot += q[(hh * n + t) * d + i] * k[(g * n + s) * d + i];
          probs[s] = dot * scale;
          if (probs[s] > max) max = probs[s];
        }
        let sum = 0;
        for (let s = first; s <= t; s++) {
          probs[s] = Math.exp(probs[s] - max);
          sum += probs[s];
        }
        for (let s = first; s <= t; s++) {
          const pr = probs[s] / sum;
          colAcc[s] += pr;
          for (let i = 0; i < d; i++) attn[(t * nH + hh) * d + i] += pr * v[(g * n + s) * d + i];
        }
      }
      if (colSums) for (let s = 0; s < n; s++) colSums[hh * n + s] = colAcc[s];
    }
    if (colSums) out.attentionColumnSums = colSums;

    const o = linear(attn, n, nH * d, p('self_attn.o_proj.weight'), H);
    for (let i = 0; i < x.length; i++) x[i] += o[i];

    const h2 = rmsNorm(x, n, H, p('post_attention_layernorm.weight'), config.rmsNormEps);
    const gate = linear(h2, n, H, p('mlp.gate_proj.weight'), I);
    const up = linear(h2, n, H, p('mlp.up_proj.weight'), I);
    for (let i = 0; i < gate.length; i++) gate[i] = (gate[i] / (1 + Math.exp(-gate[i]))) * up[i];
    const down = linear(gate, n, I, p('mlp.down_proj.weight'), H);
    for (let i = 0; i < x.length; i++) x[i] += down[i];
    layers.push(out);
  }
  return { tokens: n, layers };
}

/** Loads every weight the decoder needs (not lm_head) from a checkpoint. */
export async function loadDecoderWeights(checkpoint: Checkpoint): Promise<Map<string, Float32Array>> {
  const weights = new Map<string, Float32Array>();
  for (const { name } of requiredWeights(checkpoint.config)) {
    if (name === 'lm_head.weight' || name === 'model.norm.weight') continue;
    weights.set(name, await checkpoint.readTensor(name));
  }
  return weights;
}

/** The reference forward as a PrefillEngine, for tests and as an oracle. */
export class ReferencePrefillEngine implements PrefillEngine {
  constructor(
    readonly config: DecoderConfig,
    private readonly weights: DecoderWeights,
  ) {}

  /** Loads a checkpoint's decoder weights into a reference engine. */
  static async fromCheckpoint(checkpoint: Checkpoint): Promise<ReferencePrefillEngine> {
    return new ReferencePrefillEngine(checkpoint.config, await loadDecoderWeights(checkpoint));
  }

  async prefill(request: PrefillRequest): Promise<PrefillOutputs> {
    return referenceForward(this.config, this.weights, request.inputIds, request.extras, request.signal);
  }

  async close(): Promise<void> {}
}
