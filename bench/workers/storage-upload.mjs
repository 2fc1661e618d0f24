// One variant of the storage upload benchmark, in its own process so its peak RSS is its
// own. Uploads a Mistral-7B-shaped float16 cache (32 layers, 8 KV heads, head_dim 128)
// to the S3 endpoint given, best of N runs. Prints one JSON line.
// Usage: node storage-upload.mjs <streaming|buffered|buffered-single-put> <endpoint> <bucket> [tokens] [runs]
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { collectBytes, encodeKvCacheNpy } from '../../sdk/dist/index.js';
import { mistralShapedCache } from './mistral-cache.mjs';
import { S3Store, s3OptionsSchema } from '../../plugins/storage-s3/dist/index.js';

const [variant, endpoint, bucket, tokensArg, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 3);
const { cache, cacheBytes } = mistralShapedCache(Number(tokensArg ?? 1024), 'float16', 99);
global.gc?.();
const rssBefore = process.memoryUsage().rss;

const options = s3OptionsSchema(() => ({})).parse({ bucket, endpoint, forcePathStyle: true, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', checkPublicRead: false });
const store = new S3Store(options);

let best = Infinity;
let size = 0;
for (let r = 0; r < runs; r++) {
  const key = `bench-${variant}-${r}.npy`;
  const t0 = performance.now();
  const npy = encodeKvCacheNpy(cache, 'float16');
  if (variant === 'streaming') {
    await store.put({ key, body: npy.chunks(), size: npy.size, contentType: 'application/octet-stream' });
  } else {
    // What a miner does when it writes the whole file first (the original: np.save, then upload).
    const whole = await collectBytes(npy.chunks());
    if (variant === 'buffered') {
      await store.put({ key, body: (async function* () { yield whole; })(), size: whole.length, contentType: 'application/octet-stream' });
    } else {
      await store.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: whole, ContentLength: whole.length }));
    }
  }
  best = Math.min(best, performance.now() - t0);
  size = npy.size;
  await store.delete(key);
  global.gc?.();
}
await store.close();
const maxRss = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify({ variant, tokens: cache.tokens, cacheBytes, fileBytes: size, ms: best, rssBefore, maxRss, partSize: options.partSize, queueSize: options.queueSize }));
