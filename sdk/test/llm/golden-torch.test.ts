import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeNpy } from '@neural-condense/sdk';
import { loadCheckpoint, ReferencePrefillEngine, TEST_MODELS, writeTestModel, type LayerOutputs, type TestModelSpec } from '@neural-condense/sdk/llm';
import { maxAbsDiff } from '../helpers/numeric.js';
import { useTempDir } from '../helpers/temp-dir.js';

// Parity of the TypeScript reference forward with an independent PyTorch implementation
// (scripts/fixtures/torch_reference.py, float64) on the same seeded checkpoints.

const golden = join(import.meta.dirname, '..', 'fixtures', 'golden');
interface Cases {
  queryWindow: number;
  skipFirst: number;
  cases: { name: string; preset: keyof typeof TEST_MODELS; overrides?: Partial<TestModelSpec>; ids: number[] }[];
}
interface GoldenMeta {
  inputIds: number[];
  arrays: { name: string; shape: number[]; offset: number }[];
}
const cases = JSON.parse(await readFile(join(golden, 'cases.json'), 'utf8')) as Cases;

const tmp = useTempDir('golden');

describe('reference forward matches the PyTorch goldens', () => {
  it.each(cases.cases)('$name', async (c) => {
    const meta = JSON.parse(await readFile(join(golden, `${c.name}.json`), 'utf8')) as GoldenMeta;
    expect(meta.inputIds).toEqual(c.ids);
    // A plain Uint8Array: decodeNpy's .slice() on a pooled Node Buffer would not copy.
    const flat = decodeNpy(new Uint8Array(await readFile(join(golden, `${c.name}.npy`)))).data;

    const modelDir = join(tmp.path, c.name);
    await writeTestModel(modelDir, { ...TEST_MODELS[c.preset], ...c.overrides });
    const engine = await ReferencePrefillEngine.fromCheckpoint(await loadCheckpoint(modelDir));
    const out = await engine.prefill({
      inputIds: c.ids,
      extras: { queryWindow: cases.queryWindow, queryStats: { skipFirst: cases.skipFirst }, attentionColumnSums: true },
    });

    expect(meta.arrays.length).toBe(out.layers.length * 6);
    for (const a of meta.arrays) {
      const [, layer, field] = a.name.split('.') as [string, string, keyof LayerOutputs];
      const ours = out.layers[Number(layer)][field] as Float32Array;
      const size = a.shape.reduce((x, y) => x * y, 1);
      const theirs = flat.subarray(a.offset, a.offset + size);
      // Values are O(1); the golden is float64 math stored as float32.
      expect(maxAbsDiff(ours, theirs), a.name).toBeLessThan(1e-5);
    }
  });
});
