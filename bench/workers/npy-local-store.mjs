// One variant of the .npy encode + local store benchmark, in its own process so its peak
// RSS is its own. Prints one JSON line.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKvCache, encodeKvCacheNpy } from '../../sdk/dist/index.js';
import { LocalStore } from '../../plugins/storage-local/dist/index.js';

const [inputDtype, fileDtype, tokensArg] = process.argv.slice(2);
const shape = { layers: 32, kvHeads: 8, tokens: Number(tokensArg ?? 1024), headDim: 128 }; // Mistral-7B
const n = shape.kvHeads * shape.tokens * shape.headDim;
let seed = 12345;
const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 2 - 1;
const data = Array.from({ length: shape.layers }, () => {
  const make = () => {
    if (inputDtype === 'float16') {
      const a = new Uint16Array(n);
      for (let i = 0; i < n; i++) a[i] = 0x3000 + ((rand() * 0x0fff) & 0x0fff); // finite halves
      return a;
    }
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = rand();
    return a;
  };
  return { key: make(), value: make() };
});
const cache = createKvCache(shape, data);
const cacheBytes = data.reduce((s, l) => s + l.key.byteLength + l.value.byteLength, 0);
global.gc?.();
const rssBefore = process.memoryUsage().rss;

const dir = await mkdtemp(join(tmpdir(), 'nc-bench-'));
const store = new LocalStore({ dir, publicBaseUrl: 'http://127.0.0.1:8080/artifacts' });
await store.init();
const runs = 3;
let best = Infinity;
let size = 0;
for (let r = 0; r < runs; r++) {
  const t0 = performance.now();
  const npy = encodeKvCacheNpy(cache, fileDtype);
  const out = await store.put({ key: `bench${r}.npy`, body: npy.chunks(), size: npy.size, contentType: 'application/octet-stream' });
  best = Math.min(best, performance.now() - t0);
  size = out.size;
  await store.delete(out.key);
}
await rm(dir, { recursive: true, force: true });
const maxRss = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify({ inputDtype, fileDtype, tokens: shape.tokens, cacheBytes, fileBytes: size, ms: best, rssBefore, maxRss }));
