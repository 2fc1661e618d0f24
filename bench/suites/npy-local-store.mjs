// .npy encode + local store throughput for a Mistral-7B-shaped cache (32 layers, 8 KV
// heads, head_dim 128) of 1024 tokens, and peak RSS next to the cache's own size.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const worker = fileURLToPath(new URL('../workers/npy-local-store.mjs', import.meta.url));
const MiB = 2 ** 20;

export default async function ({ log }) {
  const variants = [
    ['float16', 'float16', 'GPU-style fp16 cache → <f2 file (views, no conversion)'],
    ['float32', 'float16', 'fp32 cache → <f2 file (converted per tensor)'],
    ['float32', 'float32', 'fp32 cache → <f4 file (the original\'s format)'],
  ];
  const rows = [];
  for (const [input, file, label] of variants) {
    log(`${label} ...`);
    const { stdout } = await run(process.execPath, ['--expose-gc', worker, input, file, '1024'], { maxBuffer: 1 << 20 });
    const r = JSON.parse(stdout.trim().split('\n').pop());
    const overhead = r.maxRss - r.rssBefore;
    rows.push([
      label,
      (r.cacheBytes / MiB).toFixed(0),
      (r.fileBytes / MiB).toFixed(1),
      r.ms.toFixed(0),
      (r.fileBytes / MiB / (r.ms / 1000)).toFixed(0),
      (r.maxRss / MiB).toFixed(0),
      (Math.max(0, overhead) / MiB).toFixed(0),
      (r.maxRss / r.cacheBytes).toFixed(2),
    ]);
  }
  return {
    title: '.npy encode + local store (Mistral-7B-shaped cache, 1024 tokens)',
    columns: ['variant', 'cache in memory (MiB)', 'file (MiB)', 'best of 3 (ms)', 'throughput (MiB/s)', 'peak RSS (MiB)', 'RSS above cache (MiB)', 'peak RSS / cache size'],
    rows,
    notes: [
      'Throughput = file bytes / (encode + write + rename) time, best of 3 runs, written to the OS page cache of the local disk.',
      'RSS above cache = peak RSS minus RSS after the cache was built: what encoding and storing cost beyond the cache itself.',
      'Reproduce: `npm run bench -- npy-local-store`.',
    ],
  };
}
