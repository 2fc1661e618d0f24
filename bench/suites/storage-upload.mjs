// Upload of a 128 MiB float16 cache (Mistral-7B shape, 1024 tokens) to s3rver on
// loopback: the S3 store's streaming multipart path against buffering the whole file
// first, with the peak RSS of each (every variant runs in its own process).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createBucket, startS3rver } from '../../plugins/storage-s3/test/helpers/s3rver.mjs';

const run = promisify(execFile);
const worker = fileURLToPath(new URL('../workers/storage-upload.mjs', import.meta.url));
const MiB = 2 ** 20;
const BUCKET = 'bench';

export default async function ({ log }) {
  const s3 = await startS3rver();
  await createBucket(s3.endpoint, BUCKET);
  const variants = [
    ['streaming', 'streaming multipart (encoder → parts, 4 in parallel)'],
    ['buffered', 'whole file buffered first, then the same multipart upload'],
    ['buffered-single-put', 'whole file buffered first, one PutObject'],
  ];
  const rows = [];
  let partSize = 0;
  let queueSize = 0;
  try {
    for (const [variant, label] of variants) {
      log(`${label} ...`);
      const { stdout } = await run(process.execPath, ['--expose-gc', worker, variant, s3.endpoint, BUCKET, '1024', '3'], { maxBuffer: 1 << 20 });
      const r = JSON.parse(stdout.trim().split('\n').pop());
      ({ partSize, queueSize } = r);
      rows.push([
        label,
        (r.fileBytes / MiB).toFixed(1),
        r.ms.toFixed(0),
        (r.fileBytes / MiB / (r.ms / 1000)).toFixed(0),
        (r.maxRss / MiB).toFixed(0),
        (Math.max(0, r.maxRss - r.rssBefore) / MiB).toFixed(0),
      ]);
    }
  } finally {
    await s3.close();
  }
  return {
    title: 'Upload of a 128 MiB float16 KV cache to s3rver: streaming multipart vs buffering first',
    columns: ['variant', 'file (MiB)', 'best of 3 (ms)', 'throughput (MiB/s)', 'peak RSS (MiB)', 'RSS above cache (MiB)'],
    rows,
    notes: [
      `S3 store defaults: partSize ${partSize / MiB} MiB, queueSize ${queueSize}; the cache itself (128 MiB) is in memory in every variant.`,
      'Time = encode + upload until the object is committed; s3rver runs in the parent process on 127.0.0.1 and writes to the local disk, so absolute numbers reflect s3rver and the disk, not AWS; the memory column is the client\'s own.',
      'RSS above cache = peak RSS of the uploading process minus its RSS once the cache was built. Streaming avoids the whole-file copy; lib-storage still copies each part (at most partSize x queueSize in flight), and the AWS client loads more code on its first request, which also counts here.',
      'On s3rver a multipart upload costs extra disk work (parts are written, then concatenated into the object), which favours the single PutObject on loopback; against S3 over a real network, parallel parts are what hide the per-request latency, and a single PUT is limited to 5 GB.',
      'Reproduce: `npm run bench -- storage-upload`.',
    ],
  };
}
