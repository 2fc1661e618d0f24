// Per-head top-k with a fixed rule, so a cache is a pure function of its scores:
// higher score first; among equal scores the earlier position wins; NaN ranks below
// every number. torch.topk leaves ties unspecified, so kvpress may differ on exact ties.
// The result is in positional order (kvpress keeps topk order): the validator attends to
// every cached entry, so the order carries no meaning, and positional order is what key
// re-rotation needs.

/**
 * For each of `heads` rows of `scores` ([heads, tokens]), the positions of its `k`
 * highest scores in ascending position order, as [heads, k].
 */
export function topKPositions(scores: Float32Array, heads: number, tokens: number, k: number): Int32Array {
  if (scores.length !== heads * tokens) throw new RangeError(`scores have ${scores.length} values, expected ${heads}x${tokens}`);
  if (!Number.isInteger(k) || k < 0 || k > tokens) throw new RangeError(`cannot keep ${k} of ${tokens} tokens`);
  const out = new Int32Array(heads * k);
  if (k === 0) return out;
  const row = new Float64Array(tokens);
  const sorted = new Float64Array(tokens);
  for (let h = 0; h < heads; h++) {
    for (let t = 0; t < tokens; t++) {
      const s = scores[h * tokens + t];
      row[t] = Number.isNaN(s) ? -Infinity : s;
    }
    // The k-th largest value is the threshold: everything above it is kept, and the
    // earliest positions equal to it fill the remaining slots.
    sorted.set(row);
    sorted.sort();
    const threshold = sorted[tokens - k];
    let above = 0;
    for (let t = 0; t < tokens; t++) if (row[t] > threshold) above++;
    let ties = k - above;
    let j = h * k;
    for (let t = 0; t < tokens; t++) {
      if (row[t] > threshold || (row[t] === threshold && ties-- > 0)) out[j++] = t;
    }
  }
  return out;
}
