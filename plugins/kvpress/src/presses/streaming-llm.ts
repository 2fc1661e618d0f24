import type { ScorerPress } from '@neural-condense/sdk';

/** Options of the StreamingLLM press. */
export interface StreamingLlmPressOptions {
  /** Attention-sink tokens always kept at the start. Default 4. */
  nSink?: number;
}

/**
 * StreamingLLM (Xiao et al. 2023): keep the first `nSink` tokens and the most recent ones.
 * Score 1 everywhere except 0 on [nSink, nSink + pruned). `pruned` is S minus the kept
 * count after the tier clamp, so a clamped cache is still sinks + a recent window.
 */
export function streamingLlmPress(options: StreamingLlmPressOptions = {}): ScorerPress {
  const nSink = options.nSink ?? 4;
  return {
    name: `streaming-llm(n_sink=${nSink})`,
    needs: {},
    score(_layer, { config, tokens, kept }) {
      const pruned = tokens - kept;
      const scores = new Float32Array(config.numKvHeads * tokens).fill(1);
      for (let h = 0; h < config.numKvHeads; h++) {
        for (let t = nSink; t < Math.min(tokens, nSink + pruned); t++) scores[h * tokens + t] = 0;
      }
      return scores;
    },
  };
}
