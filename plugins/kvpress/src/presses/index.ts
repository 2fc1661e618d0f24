import type { ScorerPress } from '@neural-condense/sdk';
import { chunkKvPress } from './chunkkv.js';
import { expectedAttentionPress } from './expected-attention.js';
import { keyDiffPress } from './keydiff.js';
import { knormPress } from './knorm.js';
import { lagKvPress } from './lagkv.js';
import { observedAttentionPress } from './observed-attention.js';
import { randomPress } from './random.js';
import { snapKvPress } from './snapkv.js';
import { streamingLlmPress } from './streaming-llm.js';
import { tovaPress } from './tova.js';

export { chunkKvPress, type ChunkKvPressOptions } from './chunkkv.js';
export { expectedAttentionPress, type ExpectedAttentionPressOptions } from './expected-attention.js';
export { keyDiffPress } from './keydiff.js';
export { knormPress } from './knorm.js';
export { lagKvPress, type LagKvPressOptions } from './lagkv.js';
export { observedAttentionPress } from './observed-attention.js';
export { randomPress, type RandomPressOptions } from './random.js';
export { snapKvPress, type SnapKvPressOptions } from './snapkv.js';
export { streamingLlmPress, type StreamingLlmPressOptions } from './streaming-llm.js';
export { tovaPress } from './tova.js';

/** Every press option, flat as the plugin's config takes them; each press reads its own. */
export interface PressOptions {
  windowSize?: number;
  kernelSize?: number;
  nSink?: number;
  nFuturePositions?: number;
  useCovariance?: boolean;
  useVnorm?: boolean;
  epsilon?: number;
  lagSize?: number;
  chunkLength?: number;
  /** Base press of `chunkkv`. Default knorm. */
  chunkPress?: Exclude<PressName, 'chunkkv'>;
  seed?: number;
}

/** Press names as config spells them (`press: snapkv`). */
export const PRESS_NAMES = [
  'knorm', 'random', 'streaming-llm', 'snapkv', 'expected-attention', 'observed-attention', 'tova', 'keydiff', 'lagkv', 'chunkkv',
] as const;

/** A press name. */
export type PressName = (typeof PRESS_NAMES)[number];

/** Builds each press from the flat options. */
export const PRESSES: Readonly<Record<PressName, (options: PressOptions) => ScorerPress>> = {
  knorm: () => knormPress(),
  random: (o) => randomPress({ seed: o.seed }),
  'streaming-llm': (o) => streamingLlmPress({ nSink: o.nSink }),
  snapkv: (o) => snapKvPress({ windowSize: o.windowSize, kernelSize: o.kernelSize }),
  'expected-attention': (o) =>
    expectedAttentionPress({ nFuturePositions: o.nFuturePositions, nSink: o.nSink, useCovariance: o.useCovariance, useVnorm: o.useVnorm, epsilon: o.epsilon }),
  'observed-attention': () => observedAttentionPress(),
  tova: () => tovaPress(),
  keydiff: () => keyDiffPress(),
  lagkv: (o) => lagKvPress({ nSink: o.nSink, lagSize: o.lagSize }),
  chunkkv: (o) => chunkKvPress(PRESSES[o.chunkPress ?? 'knorm'](o), { chunkLength: o.chunkLength }),
};

/** The press called `name`, configured from `options`. */
export function createPress(name: PressName, options: PressOptions = {}): ScorerPress {
  const make = PRESSES[name];
  if (!make) throw new RangeError(`unknown press '${name}'; available: ${PRESS_NAMES.join(', ')}`);
  return make(options);
}
