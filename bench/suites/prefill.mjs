// Prefill throughput of the built-in model on the CPU, through the ONNX engine the kvpress
// plugin uses: tokens/s at ~1k and ~3k tokens for each attention kind, and Gemm(transB)
// against MatMul+Transpose projections (resident memory after the first run included).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOnnxPrefillEngine, ensureBuiltinModel, loadCheckpoint, mulberry32 } from '../../sdk/dist/llm/index.js';

const LENGTHS = [1024, 3072];
const RUNS = 5;
const VARIANTS = [
  { attention: 'plain', projection: 'gemm' },
  { attention: 'gqa', projection: 'gemm' },
  { attention: 'plain', projection: 'matmul' },
];

export default async function prefill({ log }) {
  const cacheDir = await mkdtemp(join(tmpdir(), 'bench-prefill-'));
  try {
    const checkpoint = await loadCheckpoint(await ensureBuiltinModel(cacheDir));
    const c = checkpoint.config;
    const rand = mulberry32(47);
    const rows = [];
    for (const v of VARIANTS) {
      const rssBefore = process.memoryUsage().rss;
      const started = performance.now();
      const engine = await createOnnxPrefillEngine({ checkpoint, cacheDir, provider: 'cpu', attention: v.attention, projection: v.projection });
      const openMs = performance.now() - started;
      try {
        for (const S of LENGTHS) {
          const inputIds = Array.from({ length: S }, () => 3 + Math.floor(rand() * (c.vocabSize - 3)));
          await engine.prefill({ inputIds }); // warm-up: first run allocates the arena
          const times = [];
          for (let i = 0; i < RUNS; i++) {
            const t0 = performance.now();
            await engine.prefill({ inputIds });
            times.push(performance.now() - t0);
          }
          times.sort((a, b) => a - b);
          const median = times[Math.floor(times.length / 2)];
          const rssMiB = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
          log(`${v.attention}/${v.projection} S=${S}: ${median.toFixed(0)} ms`);
          rows.push([v.attention, v.projection, S, median.toFixed(0), Math.round(S / (median / 1000)), openMs.toFixed(0), rssMiB.toFixed(0)]);
        }
      } finally {
        await engine.close();
      }
    }
    return {
      title: `Prefill on CPU (built-in ${c.architecture}: ${c.numLayers} layers, hidden ${c.hiddenSize}, ${c.numHeads}/${c.numKvHeads} heads, fp32)`,
      columns: ['attention', 'projection', 'tokens', 'ms (median of 5)', 'tokens/s', 'build+open ms', 'RSS growth MiB'],
      rows,
      notes: [
        'build+open includes building the graph into a fresh cache (first variant also generates the model).',
        'RSS growth is measured from before the engine opened to after its runs, in one process, so later rows include allocator reuse.',
        'plain attention materialises [heads, S, S] scores per layer; gqa is onnxruntime\'s GroupQueryAttention kernel.',
      ],
    };
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
}
