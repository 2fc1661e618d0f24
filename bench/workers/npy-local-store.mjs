// One variant of the .npy encode + local store benchmark, in its own process so its peak
// RSS is its own. Prints one JSON line.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeKvCacheNpy } from '../../sdk/dist/index.js';
import { mistralShapedCache } from './mistral-cache.mjs';
import { LocalStore } from '../../plugins/storage-local/dist/index.js';

const [inputDtype, fileDtype, tokensArg] = process.argv.slice(2);
const { cache, cacheBytes } = mistralShapedCache(Number(tokensArg ?? 1024), inputDtype);
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
console.log(JSON.stringify({ inputDtype, fileDtype, tokens: cache.tokens, cacheBytes, fileBytes: size, ms: best, rssBefore, maxRss }));
