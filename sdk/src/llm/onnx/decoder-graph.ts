import { ropeInvFreq } from '../rope.js';
import type { DecoderConfig, PrefillExtras } from '../types.js';
import { GraphBuilder, float } from './graph-builder.js';
import type { ElemType } from './proto.js';
import { expectedAttentionLogits, queryMoments, rotateHalf, windowAttention, type ScoreTensors } from './score-extras.js';

// One prefill graph for the whole Llama family; architectures differ only by DecoderConfig
// values (GQA ratio, q/k/v bias, sliding window, rope scaling, tied embeddings).
//
// Batch is always 1, so the residual stream is kept 2-D, [S, hidden]: every projection is
// a Gemm with transB=1 that reads the Hugging Face [out, in] weight as stored, without a
// transposed copy.

/** Bumped whenever the graph this file writes changes, so cached graphs are rebuilt. */
export const DECODER_GRAPH_VERSION = 3;

/** Graph element type: fp32 (CPU, exact) or fp16 (CUDA, WebGPU). */
export type GraphDtype = 'float32' | 'float16';

/**
 * How attention is computed. `plain`: MatMul/Softmax with an explicit causal (and sliding
 * window) mask, runs everywhere, materialises [heads, S, S] per layer. `gqa`: the
 * com.microsoft GroupQueryAttention kernel with fused rotary (no S x S in the graph);
 * CPU needs head_dim % 16 == 0 and fp32, CUDA fp16.
 */
export type AttentionKind = 'plain' | 'gqa';

/** What the prefill graph computes beyond the per-layer presents. */
export interface DecoderGraphOptions {
  dtype: GraphDtype;
  attention: AttentionKind;
  /** Extra per-layer outputs (see PrefillExtras). */
  extras: PrefillExtras;
  /** Take `inputs_embeds [1, S, hidden]` instead of `input_ids`. */
  inputsEmbeds?: boolean;
  /** Also output `logits [1, vocab]` of the last position (final norm + lm_head). */
  lastLogits?: boolean;
  /** Rows of the RoPE cos/sin tables, i.e. the longest prefill the graph accepts. */
  maxPositions: number;
  /**
   * How a Linear is written: `gemm` (default) is Gemm(transB=1) on the stored [out, in]
   * weight; `matmul` is MatMul with a Transpose of the weight (kept for measurement).
   */
  projection?: 'gemm' | 'matmul';
}

/** Supplies initializers: checkpoint weights (by Hugging Face name) and tensors the builder computes. */
export interface WeightBinder {
  /** Adds checkpoint tensor `hfName` as an initializer in the graph dtype; returns its graph name. */
  weight(hfName: string): string;
  /** Adds a computed float tensor (stored in the graph dtype beside the model); returns its graph name. */
  generated(name: string, dims: readonly number[], values: Float32Array): string;
}

/** Names of the graph's inputs and outputs, per layer where it applies. */
export const prefillNames = {
  inputIds: 'input_ids',
  inputsEmbeds: 'inputs_embeds',
  presentKey: (l: number) => `present.${l}.key`,
  presentValue: (l: number) => `present.${l}.value`,
  queryWindow: (l: number) => `query_window.${l}`,
  queryMean: (l: number) => `query_mean.${l}`,
  queryCov: (l: number) => `query_cov.${l}`,
  attentionColumnSums: (l: number) => `attention_column_sums.${l}`,
  windowAttention: (l: number) => `window_attention.${l}`,
  expectedAttentionLogits: (l: number) => `expected_attention_logits.${l}`,
  /** Input, float32 [2, D], with extras.expectedAttention: R̄ as rows (cos, [-sin, sin]); see `expectedRotationFeed`. */
  expectedRotation: 'expected_rotation',
  logits: 'logits',
} as const;

/** Builds the prefill graph of `config`; weights come from `bind(g)`. */
export function buildDecoderGraph(config: DecoderConfig, options: DecoderGraphOptions, bind: (g: GraphBuilder) => WeightBinder): GraphBuilder {
  if (options.attention === 'gqa' && options.extras.attentionColumnSums) {
    throw new Error('attentionColumnSums needs attention "plain": GroupQueryAttention does not expose attention weights without an [S, S] output per head');
  }
  const g = new GraphBuilder('prefill');
  const w = bind(g);
  const d = new DecoderOps(g, config, options, w);
  const { hiddenSize: hidden } = config;

  let x: string;
  if (options.inputsEmbeds) {
    const e = g.input(prefillNames.inputsEmbeds, options.dtype, [1, 'sequence', hidden]);
    x = g.op('Reshape', [e, g.int64([-1, hidden])]);
  } else {
    const ids = g.input(prefillNames.inputIds, 'int64', [1, 'sequence']);
    const emb = g.op('Gather', [w.weight('model.embed_tokens.weight'), ids], { axis: 0 });
    x = g.op('Reshape', [emb, g.int64([-1, hidden])]);
  }

  const rope = d.ropeTables(x);
  if (options.extras.expectedAttention) rope.expectedRotation = g.input(prefillNames.expectedRotation, 'float32', [2, config.headDim]);
  const mask = options.attention === 'plain' ? d.attentionMask(rope.positions) : '';
  for (let l = 0; l < config.numLayers; l++) {
    x = g.scope(`layers.${l}`, () => d.layer(l, x, rope, mask));
  }

  if (options.lastLogits) {
    g.scope('lm_head', () => {
      const last = g.op('Slice', [x, g.int64([-1]), g.int64([Number.MAX_SAFE_INTEGER]), g.int64([0])]);
      const normed = d.rmsNorm(last, w.weight('model.norm.weight'));
      const head = w.weight(config.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight');
      g.output(d.toFloat32(g.op('Gemm', [normed, head], { transB: 1 })), prefillNames.logits, 'float32', [1, config.vocabSize]);
    });
  }
  return g;
}

interface Rope {
  /** int64 [S] positions 0..S-1. */
  positions: string;
  /** [S, 1, D] cos, and sin with the rotate_half sign folded in ([-sin, sin]). */
  cos: string;
  sinSigned: string;
  /** [maxPositions, D/2] tables for GroupQueryAttention. */
  cosHalf: string;
  sinHalf: string;
  /** The expected_rotation input, when the graph has it. */
  expectedRotation?: string;
}

/** The building blocks of one decoder layer, written once for every architecture. */
class DecoderOps {
  private readonly dt: ElemType;
  private readonly groups: number;

  constructor(
    private readonly g: GraphBuilder,
    private readonly c: DecoderConfig,
    private readonly o: DecoderGraphOptions,
    private readonly w: WeightBinder,
  ) {
    this.dt = o.dtype;
    this.groups = c.numHeads / c.numKvHeads;
  }

  /** Gathers the first S rows of precomputed cos/sin tables (float64 angles, rounded once). */
  ropeTables(x: string): Rope {
    const { g, c, o } = this;
    const half = c.headDim / 2;
    const inv = ropeInvFreq(c);
    const cos = new Float32Array(o.maxPositions * half);
    const sin = new Float32Array(o.maxPositions * half);
    for (let p = 0; p < o.maxPositions; p++) {
      for (let i = 0; i < half; i++) {
        cos[p * half + i] = Math.cos(p * inv[i]);
        sin[p * half + i] = Math.sin(p * inv[i]);
      }
    }
    return g.scope('rope', () => {
      const cosHalf = this.w.generated('rope.cos', [o.maxPositions, half], cos);
      const sinHalf = this.w.generated('rope.sin', [o.maxPositions, half], sin);
      const seq = g.op('Gather', [g.op('Shape', [x]), g.int64Scalar(0)], { axis: 0 });
      const positions = g.op('Range', [g.int64Scalar(0), seq, g.int64Scalar(1)]);
      const cosS = g.op('Gather', [cosHalf, positions], { axis: 0 });
      const sinS = g.op('Gather', [sinHalf, positions], { axis: 0 });
      const unsq = (t: string) => g.op('Unsqueeze', [t, g.int64([1])]);
      return {
        positions,
        cos: unsq(g.op('Concat', [cosS, cosS], { axis: -1 })),
        sinSigned: unsq(g.op('Concat', [g.op('Neg', [sinS]), sinS], { axis: -1 })),
        cosHalf,
        sinHalf,
      };
    });
  }

  /** Additive mask [S, S]: 0 where query i may see key j (j <= i, and i - j < window), else the dtype's lowest value. */
  attentionMask(positions: string): string {
    const { g, c } = this;
    return g.scope('mask', () => {
      const i = g.op('Unsqueeze', [positions, g.int64([1])]);
      const j = g.op('Unsqueeze', [positions, g.int64([0])]);
      const diff = g.op('Sub', [i, j]);
      let allowed = g.op('GreaterOrEqual', [diff, g.int64Scalar(0)]);
      if (c.slidingWindow !== null) allowed = g.op('And', [allowed, g.op('Less', [diff, g.int64Scalar(c.slidingWindow)])]);
      const lowest = this.dt === 'float32' ? -3.4028234663852886e38 : -65504;
      return g.op('Where', [allowed, g.scalar(this.dt as 'float32' | 'float16', 0), g.scalar(this.dt as 'float32' | 'float16', lowest)]);
    });
  }

  /** One decoder layer: x + attn(norm(x)), then + mlp(norm(.)). Emits the layer's outputs. */
  layer(l: number, x: string, rope: Rope, mask: string): string {
    const { g, w } = this;
    const p = (part: string) => `model.layers.${l}.${part}`;
    const h = this.rmsNorm(x, w.weight(p('input_layernorm.weight')));
    const attn = g.scope('attn', () => this.attention(l, h, rope, mask));
    const x1 = g.op('Add', [x, attn]);
    const h2 = this.rmsNorm(x1, w.weight(p('post_attention_layernorm.weight')));
    const mlp = g.scope('mlp', () => {
      const gate = this.linear(h2, p('mlp.gate_proj.weight'));
      const up = this.linear(h2, p('mlp.up_proj.weight'));
      const act = g.op('Mul', [g.op('Mul', [gate, g.op('Sigmoid', [gate])]), up]);
      return this.linear(act, p('mlp.down_proj.weight'));
    });
    return g.op('Add', [x1, mlp]);
  }

  /** RMSNorm as Hugging Face computes it: in float32 whatever the graph dtype, weight applied after casting back. */
  rmsNorm(x: string, weight: string): string {
    const { g } = this;
    return g.scope('norm', () => {
      const xf = this.toFloat32(x);
      const ms = g.op('ReduceMean', [g.op('Mul', [xf, xf]), g.int64([-1])], { keepdims: 1 });
      const inv = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [ms, g.scalar('float32', this.c.rmsNormEps)])])]);
      return g.op('Mul', [this.fromFloat32(g.op('Mul', [xf, inv])), weight]);
    });
  }

  /** x [S, in] times the HF Linear weight [out, in] (+ bias). */
  linear(x: string, weightName: string, biasName?: string): string {
    const { g, w } = this;
    if (this.o.projection === 'matmul') {
      const y = g.op('MatMul', [x, g.op('Transpose', [w.weight(weightName)], { perm: [1, 0] })]);
      return biasName ? g.op('Add', [y, w.weight(biasName)]) : y;
    }
    const inputs = [x, w.weight(weightName)];
    if (biasName) inputs.push(w.weight(biasName));
    return g.op('Gemm', inputs, { transB: 1 });
  }

  /** Rotary embedding of t [S, heads, D] (HF rotate_half convention). */
  rotary(t: string, rope: Pick<Rope, 'cos' | 'sinSigned'>): string {
    return rotateHalf(this.g, t, this.ropeIn(rope.cos), this.ropeIn(rope.sinSigned), this.c.headDim);
  }

  attention(l: number, h: string, rope: Rope, mask: string): string {
    const { g, c, o } = this;
    const p = (part: string) => `model.layers.${l}.self_attn.${part}`;
    const bias = (n: string) => (c.attentionBias ? p(`${n}.bias`) : undefined);
    const D = c.headDim;
    const q = this.linear(h, p('q_proj.weight'), bias('q_proj'));
    const k = this.linear(h, p('k_proj.weight'), bias('k_proj'));
    const v = this.linear(h, p('v_proj.weight'), bias('v_proj'));
    const qHeads = g.op('Reshape', [q, g.int64([-1, c.numHeads, D])]); // [S, H, D], pre-RoPE
    this.queryExtras(l, qHeads, rope);

    if (o.attention === 'gqa') return this.gqaAttention(l, q, k, v, rope, qHeads);

    const qRot = this.rotary(qHeads, rope);
    const kRot = this.rotary(g.op('Reshape', [k, g.int64([-1, c.numKvHeads, D])]), rope);
    const vHeads = g.op('Reshape', [v, g.int64([-1, c.numKvHeads, D])]);
    const kT = g.op('Transpose', [kRot], { perm: [1, 0, 2] }); // [kv, S, D]
    const vT = g.op('Transpose', [vHeads], { perm: [1, 0, 2] });
    this.presents(l, kT, vT);
    this.scoreExtras(l, qHeads, kT, rope);

    // Query heads h = kv * groups + j share kv head `kv`: group them as [kv, groups, S, D] and
    // let MatMul broadcast K over the group axis instead of repeating K/V in memory.
    const qG = g.op('Transpose', [g.op('Reshape', [qRot, g.int64([0, c.numKvHeads, this.groups, D])])], { perm: [1, 2, 0, 3] });
    const kG = g.op('Unsqueeze', [g.op('Transpose', [kT], { perm: [0, 2, 1] }), g.int64([1])]); // [kv, 1, D, S]
    const scores = g.op('Mul', [g.op('MatMul', [qG, kG]), g.scalar(this.dt as GraphDtype, 1 / Math.sqrt(D))]);
    // Softmax in float32 as HF eager attention does (upcast), whatever the graph dtype.
    const probs = g.op('Softmax', [g.op('Add', [this.toFloat32(scores), this.toFloat32(mask)])], { axis: -1 }); // [kv, groups, S, S]
    if (o.extras.attentionColumnSums) {
      const sums = g.op('ReduceSum', [probs, g.int64([2])], { keepdims: 0 }); // [kv, groups, S]
      g.output(g.op('Reshape', [sums, g.int64([1, c.numHeads, -1])]), prefillNames.attentionColumnSums(l), 'float32', [1, c.numHeads, 'sequence']);
    }
    const ctx = g.op('MatMul', [this.fromFloat32(probs), g.op('Unsqueeze', [vT, g.int64([1])])]); // [kv, groups, S, D]
    const merged = g.op('Reshape', [g.op('Transpose', [ctx], { perm: [2, 0, 1, 3] }), g.int64([-1, c.numHeads * D])]);
    return this.linear(merged, p('o_proj.weight'));
  }

  /** GroupQueryAttention with fused rotary; its present_key is post-RoPE. */
  private gqaAttention(l: number, q: string, k: string, v: string, rope: Rope, qHeads: string): string {
    const { g, c } = this;
    const D = c.headDim;
    const seq = g.op('Gather', [g.op('Shape', [q]), g.int64Scalar(0)], { axis: 0 });
    const seqlensK = g.op('Cast', [g.op('Sub', [g.op('Unsqueeze', [seq, g.int64([0])]), g.int64([1])])], { to: 6 }); // int32 [1]
    const total = g.op('Cast', [seq], { to: 6 }); // int32 scalar
    const emptyPast = g.op('ConstantOfShape', [g.int64([1, c.numKvHeads, 0, D])], {
      value: { kind: 'tensor', value: { type: this.dt, dims: [1], data: this.dt === 'float32' ? new Float32Array(1) : new Uint16Array(1) } },
    });
    const b = (t: string) => g.op('Unsqueeze', [t, g.int64([0])]);
    const [out, presentK, presentV] = g.op(
      'GroupQueryAttention',
      [b(q), b(k), b(v), emptyPast, emptyPast, seqlensK, total, rope.cosHalf, rope.sinHalf],
      {
        num_heads: c.numHeads,
        kv_num_heads: c.numKvHeads,
        do_rotary: 1,
        rotary_interleaved: 0,
        scale: float(1 / Math.sqrt(D)),
        local_window_size: c.slidingWindow ?? -1,
      },
      { domain: 'com.microsoft', outputs: 3 },
    );
    const kT = g.op('Squeeze', [presentK, g.int64([0])]);
    this.presents(l, kT, g.op('Squeeze', [presentV, g.int64([0])]));
    this.scoreExtras(l, qHeads, kT, rope);
    return this.linear(g.op('Reshape', [out, g.int64([-1, c.numHeads * D])]), `model.layers.${l}.self_attn.o_proj.weight`);
  }

  /** Outputs present.l.key/value [1, kv, S, D] from [kv, S, D]. */
  private presents(l: number, kT: string, vT: string): void {
    const { g, c } = this;
    const dims = [1, c.numKvHeads, 'sequence', c.headDim];
    g.output(g.op('Unsqueeze', [kT, g.int64([0])]), prefillNames.presentKey(l), this.dt, dims);
    g.output(g.op('Unsqueeze', [vT, g.int64([0])]), prefillNames.presentValue(l), this.dt, dims);
  }

  /** Query outputs a press asked for, from pre-RoPE queries [S, H, D]; always float32. */
  private queryExtras(l: number, qHeads: string, rope: Rope): void {
    const { g, c, o } = this;
    const { queryWindow, queryStats } = o.extras;
    const H = c.numHeads;
    const D = c.headDim;
    const end = g.int64([Number.MAX_SAFE_INTEGER]);
    if (queryWindow) {
      // Slice first, then rotate only the window rows with their own positions.
      const start = g.int64([-queryWindow]);
      const rows = (t: string) => g.op('Slice', [t, start, end, g.int64([0])]);
      const rope2 = { ...rope, cos: rows(rope.cos), sinSigned: rows(rope.sinSigned) };
      const rotated = this.rotary(rows(qHeads), rope2);
      const out = g.op('Unsqueeze', [g.op('Transpose', [this.toFloat32(rotated)], { perm: [1, 0, 2] }), g.int64([0])]);
      g.output(out, prefillNames.queryWindow(l), 'float32', [1, H, 'window', D]);
    }
    if (queryStats) {
      const { mean, cov } = queryMoments(g, this.toFloat32(qHeads), queryStats.skipFirst);
      g.output(g.op('Reshape', [mean, g.int64([1, H, D])]), prefillNames.queryMean(l), 'float32', [1, H, D]);
      g.output(g.op('Unsqueeze', [cov, g.int64([0])]), prefillNames.queryCov(l), 'float32', [1, H, D, D]);
    }
  }

  /** Press scoring reductions a press asked for (window attention, ExpectedAttention logits), from pre-RoPE queries and post-RoPE keys [kv, S, D]. */
  private scoreExtras(l: number, qHeads: string, kT: string, rope: Rope): void {
    const { g, c, o } = this;
    const { windowAttention: window, expectedAttention } = o.extras;
    if (!window && !expectedAttention) return;
    const t: ScoreTensors = { queries: qHeads, keys: kT, positions: rope.positions, cos: rope.cos, sinSigned: rope.sinSigned, rotation: rope.expectedRotation };
    const f32 = (x: string) => this.toFloat32(x);
    const dims = [1, c.numHeads, 'sequence'];
    if (window) g.output(g.scope('window_attention', () => windowAttention(g, c, t, window, f32)), prefillNames.windowAttention(l), 'float32', dims);
    if (expectedAttention) {
      const logits = g.scope('expected_attention', () => expectedAttentionLogits(g, c, t, expectedAttention, f32));
      g.output(logits, prefillNames.expectedAttentionLogits(l), 'float32', dims);
    }
  }

  private ropeIn(t: string): string {
    return this.dt === 'float32' ? t : this.g.op('Cast', [t], { to: 10 });
  }

  /** Casts to float32 when the graph is fp16. */
  toFloat32(t: string): string {
    return this.dt === 'float32' ? t : this.g.op('Cast', [t], { to: 1 });
  }

  /** Casts float32 back to the graph dtype. */
  fromFloat32(t: string): string {
    return this.dt === 'float32' ? t : this.g.op('Cast', [t], { to: 10 });
  }
}
