// s3rver on 127.0.0.1 for tests and benchmarks, plain JS so a child process can run it
// too (see s3rver-process.mjs). s3rver 3.7 answers GET ?uploads and
// DELETE ?uploadId with "not implemented", so this helper adds ListMultipartUploads and
// AbortMultipartUpload over s3rver's own on-disk layout; everything else is s3rver.
import { EventEmitter } from 'node:events';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

/** s3rver's built-in account; any signature passes for V4, unknown key ids are refused. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** Creates `bucket` through the S3 API, as a miner's operator would. */
export async function createBucket(endpoint, bucket) {
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { ...S3RVER_CREDENTIALS } });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
}

const UPLOADS_DIR = '._S3rver_uploads';
const OBJECT_SUFFIX = '._S3rver_object';

/**
 * Starts s3rver. Options: `port` (0 = free port), `directory` (a temp dir by default),
 * `buckets` (created at start), `stallUploadParts` (never answer an UploadPart). Returns `{ endpoint, port, directory, events, rawKeys,
 * close }`; `events` emits `request` ({method, path, query}) for every request, before
 * s3rver handles it, so a test can act at a precise moment (e.g. the first UploadPart),
 * and `response` (the same plus `status`) once s3rver is done with it.
 */
export async function startS3rver(options = {}) {
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 's3rver-')));
  const ownsDirectory = options.directory === undefined;
  const events = new EventEmitter();
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    directory,
    silent: true,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name })),
  });
  // After s3rver's logger, before its router.
  server.middleware.splice(1, 0, announce(events, options.stallUploadParts === true), multipartExtensions(directory));
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;

  let closed = false;
  return {
    endpoint,
    port: address.port,
    directory,
    events,
    /** Every key in `bucket` under `prefix`: stored objects and pending multipart uploads. */
    rawKeys: (bucket, prefix = '') => rawKeys(directory, bucket, prefix),
    /** Stops the server at once (open connections are cut, as in a crash). */
    async close({ keepDirectory = false } = {}) {
      if (closed) return;
      closed = true;
      server.httpServer.closeAllConnections();
      await server.close();
      if (ownsDirectory && !keepDirectory) await rm(directory, { recursive: true, force: true });
    },
  };
}

function announce(events, stallUploadParts) {
  return async (ctx, next) => {
    const request = { method: ctx.method, path: ctx.path, query: { ...ctx.query } };
    events.emit('request', request);
    // Holds every UploadPart open, so a test can kill the server mid-upload without racing it.
    if (stallUploadParts && ctx.method === 'PUT' && ctx.query.partNumber) return new Promise(() => {});
    try {
      await next();
    } finally {
      events.emit('response', { ...request, status: ctx.status });
    }
  };
}

function multipartExtensions(directory) {
  return async (ctx, next) => {
    const [, bucket, key] = /^\/([^/]+)\/?(.*)$/.exec(ctx.path) ?? [];
    if (!bucket) return next();
    const uploadsDir = join(directory, bucket, UPLOADS_DIR);
    if (ctx.method === 'DELETE' && key && typeof ctx.query.uploadId === 'string') {
      const dir = join(uploadsDir, ctx.query.uploadId.replace(/[^0-9a-f]/gi, ''));
      const exists = await stat(dir).then(() => true, () => false);
      if (!exists) return xmlError(ctx, 404, 'NoSuchUpload', 'The specified upload does not exist.');
      await rm(dir, { recursive: true, force: true });
      ctx.status = 204;
      return;
    }
    if (ctx.method === 'GET' && !key && 'uploads' in ctx.query) {
      const prefix = typeof ctx.query.prefix === 'string' ? ctx.query.prefix : '';
      const uploads = (await pendingUploads(uploadsDir)).filter((u) => u.key.startsWith(prefix));
      const entries = uploads
        .map((u) => `<Upload><Key>${escapeXml(u.key)}</Key><UploadId>${u.id}</UploadId><Initiated>${u.initiated.toISOString()}</Initiated><StorageClass>STANDARD</StorageClass></Upload>`)
        .join('');
      ctx.type = 'application/xml';
      ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${escapeXml(bucket)}</Bucket><Prefix>${escapeXml(prefix)}</Prefix><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>${entries}</ListMultipartUploadsResult>`;
      return;
    }
    return next();
  };
}

async function pendingUploads(uploadsDir) {
  const ids = await readdir(uploadsDir).catch(() => []);
  const uploads = [];
  for (const id of ids) {
    const key = await readFile(join(uploadsDir, id, 'key'), 'utf8').catch(() => undefined);
    if (key === undefined) continue;
    const { birthtime, mtime } = await stat(join(uploadsDir, id));
    uploads.push({ id, key, initiated: birthtime.getTime() > 0 ? birthtime : mtime });
  }
  return uploads;
}

/** Every key s3rver holds in `directory` for `bucket` under `prefix`: objects and pending multipart uploads. */
export async function rawKeys(directory, bucket, prefix = '') {
  const root = join(directory, bucket);
  const keys = [];
  const entries = await readdir(root, { recursive: true }).catch(() => []);
  for (const entry of entries) {
    if (entry.endsWith(OBJECT_SUFFIX)) keys.push(entry.slice(0, -OBJECT_SUFFIX.length).split('\\').join('/'));
  }
  for (const upload of await pendingUploads(join(root, UPLOADS_DIR))) keys.push(upload.key);
  return keys.filter((k) => k.startsWith(prefix));
}

function xmlError(ctx, status, code, message) {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

function escapeXml(text) {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]);
}

/**
 * A loopback proxy in front of `target` that refuses anonymous requests with 403
 * AccessDenied (as S3 does for a bucket without a public policy) and forwards signed
 * ones. Proves that a store's start-up probe notices a private bucket.
 */
export async function startPrivateProxy(target) {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const signed = 'authorization' in req.headers || /[?&]X-Amz-Algorithm=/i.test(req.url ?? '');
    if (!signed) {
      res.writeHead(403, { 'content-type': 'application/xml', 'x-amz-error-code': 'AccessDenied' });
      res.end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
      return;
    }
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
