import { describe, expect, it } from 'vitest';
import { applyScorerPress, selectKeptTokens, type ScorerPress, type TokenBudget } from '@neural-condense/sdk';
import { referenceForward, TEST_MODELS, testModelConfig, testModelWeights, type PrefillExtras, type PrefillOutputs } from '@neural-condense/sdk/llm';
import * as exported from './index.js';
import { PRESS_NAMES, PRESSES, type PressName, type PressOptions } from './index.js';

// Every press runs the same matrix on real model outputs (the float64 reference forward
// of a seeded Mistral-architecture test model). The matrix is typed by press name, and a
// test below fails when a press factory is exported without an entry here.

interface MatrixEntry {
  /** The exported factory this entry covers. */
  factory: (...args: never[]) => ScorerPress;
  options: PressOptions;
}

const matrix: Record<PressName, MatrixEntry> = {
  knorm: { factory: exported.knormPress, options: {} },
  random: { factory: exported.randomPress, options: { seed: 7 } },
  'streaming-llm': { factory: exported.streamingLlmPress, options: { nSink: 4 } },
  snapkv: { factory: exported.snapKvPress, options: { windowSize: 16, kernelSize: 5 } },
  'expected-attention': { factory: exported.expectedAttentionPress, options: { nFuturePositions: 64, nSink: 4 } },
  'observed-attention': { factory: exported.observedAttentionPress, options: {} },
  tova: { factory: exported.tovaPress, options: {} },
  keydiff: { factory: exported.keyDiffPress, options: {} },
  lagkv: { factory: exported.lagKvPress, options: { nSink: 4, lagSize: 16 } },
  chunkkv: { factory: exported.chunkKvPress, options: { chunkPress: 'snapkv', windowSize: 16, chunkLength: 8 } },
};

const spec = TEST_MODELS.mistralGqa4;
const config = testModelConfig(spec);
const weights = new Map(testModelWeights(spec).map((t) => [t.name, t.data]));
const ids = (n: number) => Array.from({ length: n }, (_, i) => (i === 0 ? 1 : 3 + ((i * 7919) % 31990)));
const prefills = new Map<string, PrefillOutputs>();
/** The reference prefill of S tokens with the extras the press needs. */
function prefill(S: number, needs: PrefillExtras): PrefillOutputs {
  const key = `${S} ${JSON.stringify(needs)}`;
  if (!prefills.has(key)) prefills.set(key, referenceForward(config, weights, ids(S), needs));
  return prefills.get(key)!;
}

const open: TokenBudget = { min: 0, max: 1_000_000 };
// int(S * (1 - r)) computed by CPython for r = 0, 0.32, 0.55, 0.75, 0.9.
const ratios = [0, 0.32, 0.55, 0.75, 0.9];
const expectedKept: Record<number, number[]> = { 10: [10, 6, 4, 2, 0], 140: [140, 95, 62, 35, 13], 150: [150, 101, 67, 37, 14], 200: [200, 136, 89, 50, 19] };

describe('press matrix', () => {
  it('covers every press the package exports', () => {
    expect(Object.keys(matrix).sort()).toEqual([...PRESS_NAMES].sort());
    expect(Object.keys(PRESSES).sort()).toEqual([...PRESS_NAMES].sort());
    const factories = Object.entries(exported).filter(([name, v]) => typeof v === 'function' && name.endsWith('Press') && name !== 'createPress');
    expect(factories.length).toBeGreaterThanOrEqual(PRESS_NAMES.length);
    const covered = new Set(Object.values(matrix).map((e) => e.factory));
    for (const [name, factory] of factories) expect(covered.has(factory as MatrixEntry['factory']), `${name} is exported but not in the press matrix`).toBe(true);
  });

  describe.each(PRESS_NAMES)('%s', (name) => {
    const press = PRESSES[name](matrix[name].options);

    it('asks the prefill only for extras the reference forward provides', () => {
      const needs = Object.keys(press.needs);
      for (const n of needs) expect(['queryWindow', 'queryStats', 'attentionColumnSums', 'windowAttention', 'expectedAttention']).toContain(n);
    });

    it('keeps exactly int(S*(1-ratio)) tokens, the same in every layer and head, distinct and ascending', () => {
      for (const S of [10, 140, 150, 200]) {
        ratios.forEach((ratio, i) => {
          const want = expectedKept[S][i];
          const sel = selectKeptTokens(prefill(S, press.needs), press, { config, compressionRatio: ratio, budget: open });
          expect(sel.kept, `S=${S} ratio=${ratio}`).toBe(want);
          for (const layer of sel.layers) {
            expect(layer.positions.length).toBe(config.numKvHeads * want);
            for (let h = 0; h < config.numKvHeads; h++) {
              const p = [...layer.positions.subarray(h * want, (h + 1) * want)];
              const ascending = p.every((v, j) => v >= 0 && v < S && (j === 0 || v > p[j - 1]));
              expect(ascending, `S=${S} ratio=${ratio} head ${h}: ${p.join(',')}`).toBe(true);
            }
          }
        });
      }
    });

    it('stays inside the tier budget whatever the ratio', () => {
      const budget: TokenBudget = { min: 16, max: 32 };
      for (const ratio of ratios) {
        const cache = applyScorerPress(prefill(200, press.needs), press, { config, compressionRatio: ratio, budget });
        const want = Math.min(Math.max(expectedKept[200][ratios.indexOf(ratio)], 16), 32);
        expect(cache.tokens).toBe(want);
        for (const layer of cache.data) expect(layer.key.length).toBe(config.numKvHeads * want * config.headDim);
      }
      // S=10, ratio 0.9 keeps 0 by kvpress' count; the clamp lifts it to the budget minimum.
      expect(applyScorerPress(prefill(10, press.needs), press, { config, compressionRatio: 0.9, budget: { min: 4, max: 8 } }).tokens).toBe(4);
      expect(() => applyScorerPress(prefill(10, press.needs), press, { config, compressionRatio: 0.5, budget: { min: 16, max: 32 } })).toThrow(/fewer than the 16/);
    });

    it('keeps rows of the full cache (keys and values of the same positions)', () => {
      const out = prefill(150, press.needs);
      const sel = selectKeptTokens(out, press, { config, compressionRatio: 0.55, budget: open });
      const cache = applyScorerPress(out, press, { config, compressionRatio: 0.55, budget: open });
      const { numKvHeads: H, headDim: D } = config;
      const k = sel.kept;
      cache.data.forEach((layer, l) => {
        for (let h = 0; h < H; h++) {
          for (let j = 0; j < k; j += 7) {
            const src = (h * 150 + sel.layers[l].positions[h * k + j]) * D;
            expect([...layer.key.subarray((h * k + j) * D, (h * k + j + 1) * D)]).toEqual([...out.layers[l].key.subarray(src, src + D)]);
            expect([...layer.value.subarray((h * k + j) * D, (h * k + j + 1) * D)]).toEqual([...out.layers[l].value.subarray(src, src + D)]);
          }
        }
      });
    });
  });
});
