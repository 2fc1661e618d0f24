// Scorer presses: the selection every kvpress-style algorithm shares (kept count, tier
// clamp, per-head top-k, gather, optional key re-rotation), written once.
export * from './scorer-press.js';
export * from './kept-count.js';
export * from './top-k.js';
export * from './gather.js';
export * from './kv-float.js';
export * from './rerotate-kept-keys.js';
export * from './apply-scorer-press.js';
