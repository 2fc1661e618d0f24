import type { DecoderConfig, PrefillExtras } from '../types.js';
import { GraphBuilder } from './graph-builder.js';
import { expectedAttentionLogits, windowAttention, type ScoreTensors } from './score-extras.js';

// The decoder graph's press scoring reductions alone, fed one layer's queries and keys:
// lets a benchmark time them at Mistral-7B shape without a 7B prefill, and lets tests check
// them against the float64 reference on chosen tensors.

/** Input and output names of the standalone scoring graph. */
export const scoreExtrasNames = {
  /** float32 [S, numHeads, D], pre-RoPE. */
  queries: 'queries',
  /** float32 [kvHeads, S, D], post-RoPE. */
  keys: 'keys',
  /** float32 [S, 1, D] RoPE cos, and sin with the rotate_half sign ([-sin, sin]). */
  cos: 'rope_cos',
  sinSigned: 'rope_sin_signed',
  /** float32 [2, D], see `expectedRotationFeed`. */
  expectedRotation: 'expected_rotation',
  /** Outputs, float32 [1, numHeads, S]. */
  windowAttention: 'window_attention',
  expectedAttentionLogits: 'expected_attention_logits',
} as const;

/** A float32 graph computing the windowAttention / expectedAttention extras of one layer (serialise with `toBytes({ '': 18 })`). */
export function buildScoreExtrasGraph(c: DecoderConfig, extras: Pick<PrefillExtras, 'windowAttention' | 'expectedAttention'>): GraphBuilder {
  const g = new GraphBuilder('score-extras');
  const n = scoreExtrasNames;
  const D = c.headDim;
  const keys = g.input(n.keys, 'float32', [c.numKvHeads, 'sequence', D]);
  const seq = g.op('Gather', [g.op('Shape', [keys]), g.int64Scalar(1)], { axis: 0 });
  const t: ScoreTensors = {
    queries: g.input(n.queries, 'float32', ['sequence', c.numHeads, D]),
    keys,
    positions: g.op('Range', [g.int64Scalar(0), seq, g.int64Scalar(1)]),
    cos: g.input(n.cos, 'float32', ['sequence', 1, D]),
    sinSigned: g.input(n.sinSigned, 'float32', ['sequence', 1, D]),
  };
  const same = (x: string) => x;
  const dims = [1, c.numHeads, 'sequence'];
  if (extras.windowAttention) g.output(windowAttention(g, c, t, extras.windowAttention, same), n.windowAttention, 'float32', dims);
  if (extras.expectedAttention) {
    t.rotation = g.input(n.expectedRotation, 'float32', [2, D]);
    g.output(expectedAttentionLogits(g, c, t, extras.expectedAttention, same), n.expectedAttentionLogits, 'float32', dims);
  }
  return g;
}
