import { averageRopeRotation } from '../average-rotation.js';
import { ropeInvFreq } from '../rope.js';
import type { DecoderConfig, PrefillExtras } from '../types.js';
import type { GraphBuilder } from './graph-builder.js';

// Graph pieces that reduce a layer's queries and keys to what the attention-based presses
// score with, so the O(S·w·d) and O(S·d²) work runs on the session's execution provider
// instead of in JavaScript. Written once, used by the decoder graph (per layer) and by the
// standalone scoring graph (benchmarks, tests). Everything here is float32, whatever the
// model dtype: the inputs are cast on the way in.

/** One layer's tensors the pieces read, in the graph dtype unless said otherwise. */
export interface ScoreTensors {
  /** Pre-RoPE queries [S, numHeads, D]. */
  queries: string;
  /** Post-RoPE keys [kvHeads, S, D]. */
  keys: string;
  /** int64 [S], 0..S-1. */
  positions: string;
  /** RoPE rows [S, 1, D]: cos, and sin with the rotate_half sign folded in ([-sin, sin]). */
  cos: string;
  sinSigned: string;
  /** float32 [2, D]: ExpectedAttention's mean rotation R̄ as a (cos, signed sin) row pair. */
  rotation?: string;
}

/** Casts a graph-dtype tensor to float32 (identity in fp32 graphs). */
export type ToFloat32 = (t: string) => string;

/** x·cos + rotate_half(x)·sinSigned along the last axis (Hugging Face rotate_half convention). */
export function rotateHalf(g: GraphBuilder, x: string, cos: string, sinSigned: string, headDim: number): string {
  const half = headDim / 2;
  const [a, b] = g.op('Split', [x, g.int64([half, half])], { axis: -1 }, { outputs: 2 });
  return g.op('Add', [g.op('Mul', [x, cos]), g.op('Mul', [g.op('Concat', [b, a], { axis: -1 }), sinSigned])]);
}

/** Mean [H, 1, D] and covariance (divided by N) [H, D, D] of float32 pre-RoPE queries [S, H, D] over rows >= skipFirst. */
export function queryMoments(g: GraphBuilder, queries: string, skipFirst: number): { mean: string; cov: string } {
  // A prompt no longer than skipFirst would leave zero rows, which crashes onnxruntime's
  // reductions; start at most at the last row (engines return zeros for that case).
  const seqMinus1 = g.op('Sub', [g.op('Slice', [g.op('Shape', [queries]), g.int64([0]), g.int64([1])]), g.int64([1])]);
  const start = g.op('Min', [g.int64([skipFirst]), seqMinus1]);
  const x = g.op('Transpose', [g.op('Slice', [queries, start, g.int64([Number.MAX_SAFE_INTEGER]), g.int64([0])])], { perm: [1, 0, 2] }); // [H, N, D]
  const mean = g.op('ReduceMean', [x, g.int64([1])], { keepdims: 1 });
  const centred = g.op('Sub', [x, mean]);
  const n = g.op('Cast', [g.op('Gather', [g.op('Shape', [x]), g.int64Scalar(1)], { axis: 0 })], { to: 1 });
  const cov = g.op('Div', [g.op('MatMul', [g.op('Transpose', [centred], { perm: [0, 2, 1] }), centred]), n]);
  return { mean, cov };
}

/** Lowest float32, the masked logit (−Infinity would be fine for Softmax, but not for every provider's fused kernels). */
const LOWEST_FLOAT32 = -3.4028234663852886e38;

/**
 * PrefillExtras.windowAttention: rotate the last min(w, S−1) (at least one) queries with
 * their own positions, softmax against all keys with the causal mask, mean over those
 * queries. Returns float32 [1, numHeads, S].
 */
export function windowAttention(g: GraphBuilder, c: DecoderConfig, t: ScoreTensors, window: number, f32: ToFloat32): string {
  const D = c.headDim;
  const groups = c.numHeads / c.numKvHeads;
  const seq = g.op('Slice', [g.op('Shape', [t.keys]), g.int64([1]), g.int64([2])]); // int64 [1]
  const start = g.op('Max', [g.op('Sub', [seq, g.int64([window])]), g.op('Min', [g.int64([1]), g.op('Sub', [seq, g.int64([1])])])]);
  const rows = (x: string) => g.op('Slice', [x, start, g.int64([Number.MAX_SAFE_INTEGER]), g.int64([0])]);
  const q = rotateHalf(g, f32(rows(t.queries)), f32(rows(t.cos)), f32(rows(t.sinSigned)), D); // [w, H, D]
  // Query head h = kv * groups + j reads kv head kv: [kv, groups, w, D] against [kv, 1, D, S].
  const qG = g.op('Transpose', [g.op('Reshape', [q, g.int64([0, c.numKvHeads, groups, D])])], { perm: [1, 2, 0, 3] });
  const kG = g.op('Unsqueeze', [g.op('Transpose', [f32(t.keys)], { perm: [0, 2, 1] }), g.int64([1])]);
  const logits = g.op('Mul', [g.op('MatMul', [qG, kG]), g.scalar('float32', 1 / Math.sqrt(D))]); // [kv, groups, w, S]
  const visible = g.op('LessOrEqual', [g.op('Unsqueeze', [t.positions, g.int64([0])]), g.op('Unsqueeze', [rows(t.positions), g.int64([1])])]); // [w, S]
  const probs = g.op('Softmax', [g.op('Where', [visible, logits, g.scalar('float32', LOWEST_FLOAT32)])], { axis: -1 });
  const mean = g.op('ReduceMean', [probs, g.int64([2])], { keepdims: 0 }); // [kv, groups, S]
  return g.op('Reshape', [mean, g.int64([1, c.numHeads, -1])]);
}

/**
 * PrefillExtras.expectedAttention: μ' = R̄μ and Σ' = R̄ΣR̄ᵀ per query head, then for every
 * key k·μ'/√d (+ ½·kᵀΣ'k/d) as one batched MatMul, k·(Σ'/(2d)·k + μ'/√d). Returns float32
 * [1, numHeads, S].
 */
export function expectedAttentionLogits(
  g: GraphBuilder,
  c: DecoderConfig,
  t: ScoreTensors,
  extra: NonNullable<PrefillExtras['expectedAttention']>,
  f32: ToFloat32,
): string {
  if (!t.rotation) throw new Error('expectedAttentionLogits needs the rotation input');
  const D = c.headDim;
  const groups = c.numHeads / c.numKvHeads;
  const cos = g.op('Gather', [t.rotation, g.int64Scalar(0)], { axis: 0 });
  const sin = g.op('Gather', [t.rotation, g.int64Scalar(1)], { axis: 0 });
  const rotate = (x: string) => rotateHalf(g, x, cos, sin, D);
  const { mean, cov } = queryMoments(g, f32(t.queries), extra.skipFirst);
  const mu = g.op('Reshape', [g.op('Mul', [rotate(mean), g.scalar('float32', 1 / Math.sqrt(D))]), g.int64([c.numKvHeads, groups, 1, D])]);
  const keys = g.op('Unsqueeze', [f32(t.keys), g.int64([1])]); // [kv, 1, S, D]
  let logits: string;
  if (extra.covariance) {
    // Rotating every row of Σ gives ΣR̄ᵀ; transposed and rotated again, R̄ΣR̄ᵀ.
    const sigma = rotate(g.op('Transpose', [rotate(cov)], { perm: [0, 2, 1] }));
    const a = g.op('Reshape', [g.op('Mul', [sigma, g.scalar('float32', 1 / (2 * D))]), g.int64([c.numKvHeads, groups, D, D])]);
    const ka = g.op('Add', [g.op('MatMul', [keys, a]), mu]); // [kv, groups, S, D]
    logits = g.op('ReduceSum', [g.op('Mul', [ka, keys]), g.int64([-1])], { keepdims: 0 });
  } else {
    logits = g.op('MatMul', [keys, g.op('Transpose', [mu], { perm: [0, 1, 3, 2] })]); // [kv, groups, S, 1]
  }
  return g.op('Reshape', [logits, g.int64([1, c.numHeads, -1])]);
}

/** The float32 [2, D] rotation input for a prefill of S tokens: R̄ over [S, S + futurePositions) as rows (cos, [-sin, sin]). */
export function expectedRotationFeed(c: DecoderConfig, S: number, futurePositions: number): Float32Array {
  const D = c.headDim;
  const { cos, sin } = averageRopeRotation(ropeInvFreq(c), S, futurePositions);
  const out = new Float32Array(2 * D);
  for (let i = 0; i < D; i++) {
    out[i] = cos[i];
    out[D + i] = i < D / 2 ? -sin[i] : sin[i];
  }
  return out;
}
