import type { ArtifactStore } from './artifact-store.js';
import type { Compressor } from './compressor.js';
import type { Clock, Logger, ProgressReporter } from './logger.js';
import type { TierPolicy } from './tier.js';

/**
 * Dependency-injection tokens, named after the contracts. `Symbol.for` so two copies of
 * the SDK in one process still agree on them.
 */
export const Tokens = {
  Compressor: Symbol.for('neural-condense.Compressor'),
  ArtifactStore: Symbol.for('neural-condense.ArtifactStore'),
  Logger: Symbol.for('neural-condense.Logger'),
  Clock: Symbol.for('neural-condense.Clock'),
  TierPolicy: Symbol.for('neural-condense.TierPolicy'),
  Progress: Symbol.for('neural-condense.Progress'),
} as const;

/** The type each token resolves to. */
export interface TokenTypes {
  [Tokens.Compressor]: Compressor;
  [Tokens.ArtifactStore]: ArtifactStore;
  [Tokens.Logger]: Logger;
  [Tokens.Clock]: Clock;
  [Tokens.TierPolicy]: TierPolicy;
  [Tokens.Progress]: ProgressReporter;
}
