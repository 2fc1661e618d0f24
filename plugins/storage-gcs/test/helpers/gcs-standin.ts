// A loopback stand-in for the parts of the Google Cloud Storage JSON API that
// @google-cloud/storage calls for this plugin (read from the client's code:
// build/esm/src/file.js startSimpleUpload_, resumable-upload.js, bucket/file metadata,
// list and delete), plus the anonymous public path `/<bucket>/<object>` that
// storage.googleapis.com serves. No GCS emulator ships on npm or Debian.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startLoopbackServer, readRequestBody, sendJson } from '@neural-condense/sdk/testing';

interface StoredObject {
  data: Buffer;
  contentType: string;
  created: Date;
  generation: string;
}

interface UploadSession {
  bucket: string;
  name: string;
  contentType: string;
  parts: Buffer[];
  received: number;
}

/** Counters tests read to prove which protocol path the client took. */
export interface GcsStandinStats {
  simpleUploads: number;
  resumableSessions: number;
  /** Content-Range headers of every data PUT to a session, in order. */
  chunkRanges: string[];
  cancelledSessions: number;
}

/** A running stand-in. */
export interface GcsStandin {
  /** Base URL, e.g. `http://127.0.0.1:PORT`; pass it as `apiEndpoint`. */
  url: string;
  stats: GcsStandinStats;
  /** Object names in a bucket plus open (unfinished) upload sessions, as `session:<name>`. */
  rawKeys(bucket: string, prefix?: string): string[];
  /** Drops all objects and sessions. */
  reset(): void;
  /** Flips one stored byte of the next finished upload, so its reported hashes change. */
  corruptNextUpload(): void;
  stop(): Promise<void>;
}

export interface GcsStandinOptions {
  /** Buckets that exist. */
  buckets: string[];
  /** Buckets whose objects anonymous GET/HEAD may read (allUsers: objectViewer). Default: all. */
  publicBuckets?: string[];
  /** Page size of object listings (small to exercise pagination). Default 1000. */
  pageSize?: number;
  /** Port to listen on (to restart a stopped stand-in in place). Default: a free one. */
  port?: number;
}

// CRC32C (Castagnoli), which the client validates uploads against by default.
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32cBase64(data: Buffer): string {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString('base64');
}


/** The JSON API answers with this content type. */
function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJson(res, status, body, headers, 'application/json; charset=UTF-8');
}

function apiError(res: ServerResponse, status: number, message: string): void {
  json(res, status, { error: { code: status, message, errors: [{ message, reason: status === 404 ? 'notFound' : 'invalid' }] } });
}

/** Splits a multipart/related body into its parts' headers and bodies. */
function parseMultipart(body: Buffer, boundary: string): Array<{ headers: string; body: Buffer }> {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Array<{ headers: string; body: Buffer }> = [];
  let pos = body.indexOf(delimiter);
  while (pos !== -1) {
    const start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break; // closing delimiter
    const next = body.indexOf(delimiter, start);
    if (next === -1) throw new Error('multipart body has no closing delimiter');
    const part = body.subarray(start + 2, next - 2); // strip the CRLF after the delimiter and before the next
    const split = part.indexOf('\r\n\r\n');
    parts.push({ headers: part.subarray(0, split).toString(), body: part.subarray(split + 4) });
    pos = next;
  }
  if (pos === -1) throw new Error('multipart body has no closing delimiter');
  return parts;
}

/** Starts the stand-in on 127.0.0.1 and a free port. */
export async function startGcsStandin(options: GcsStandinOptions): Promise<GcsStandin> {
  const buckets = new Map(options.buckets.map((b) => [b, new Map<string, StoredObject>()]));
  const publicBuckets = new Set(options.publicBuckets ?? options.buckets);
  const sessions = new Map<string, UploadSession>();
  const pageSize = options.pageSize ?? 1000;
  const stats: GcsStandinStats = { simpleUploads: 0, resumableSessions: 0, chunkRanges: [], cancelledSessions: 0 };
  let generation = 1;
  let base = '';
  let corruptNext = false;

  function maybeCorrupt(data: Buffer): Buffer {
    if (!corruptNext || data.length === 0) return data;
    corruptNext = false;
    const copy = Buffer.from(data);
    copy[copy.length >> 1] ^= 0xff;
    return copy;
  }

  function resource(bucket: string, name: string, object: StoredObject) {
    return {
      kind: 'storage#object',
      id: `${bucket}/${name}/${object.generation}`,
      name,
      bucket,
      generation: object.generation,
      contentType: object.contentType,
      size: String(object.data.length),
      md5Hash: createHash('md5').update(object.data).digest('base64'),
      crc32c: crc32cBase64(object.data),
      timeCreated: object.created.toISOString(),
      updated: object.created.toISOString(),
    };
  }

  function finish(session: UploadSession, id: string) {
    const object: StoredObject = { data: maybeCorrupt(Buffer.concat(session.parts)), contentType: session.contentType, created: new Date(), generation: String(generation++) };
    buckets.get(session.bucket)!.set(session.name, object);
    sessions.delete(id);
    return resource(session.bucket, session.name, object);
  }

  async function handleSessionPut(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const session = sessions.get(id);
    if (!session) return apiError(res, 404, 'upload session not found');
    const range = String(req.headers['content-range'] ?? '');
    // Status query: `bytes */<total|*>` with an empty body.
    const query = /^bytes \*\/(\d+|\*)$/.exec(range);
    if (query) {
      await readRequestBody(req);
      if (session.received === 0) return void res.writeHead(308).end();
      return void res.writeHead(308, { range: `bytes=0-${session.received - 1}` }).end();
    }
    const m = /^bytes (\d+)-(\d+|\*)\/(\d+|\*)$/.exec(range);
    if (!m) return apiError(res, 400, `bad Content-Range '${range}'`);
    stats.chunkRanges.push(range);
    const offset = Number(m[1]);
    if (offset !== session.received) return apiError(res, 400, `chunk starts at ${offset}, ${session.received} bytes received`);
    // Bytes count only once the request completes: an aborted PUT leaves the session as it was.
    const data = await readRequestBody(req);
    if (req.readableAborted) return;
    if (m[2] !== '*' && data.length !== Number(m[2]) - offset + 1) return apiError(res, 400, 'chunk length does not match Content-Range');
    session.parts.push(data);
    session.received += data.length;
    // The total is known when the client says so, or (single streaming request) when the body ends.
    const total = m[3] === '*' ? (m[2] === '*' ? session.received : undefined) : Number(m[3]);
    if (total !== undefined && session.received === total) return json(res, 200, finish(session, id));
    res.writeHead(308, { range: `bytes=0-${session.received - 1}` }).end();
  }

  async function handleUpload(req: IncomingMessage, res: ServerResponse, url: URL, bucket: string): Promise<void> {
    const objects = buckets.get(bucket);
    if (!objects) return apiError(res, 404, `bucket ${bucket} not found`);
    const uploadType = url.searchParams.get('uploadType');
    const name = url.searchParams.get('name') ?? '';
    if (uploadType === 'multipart') {
      stats.simpleUploads++;
      const boundary = /boundary="?([^";]+)"?/.exec(String(req.headers['content-type'] ?? ''))?.[1];
      if (!boundary) return apiError(res, 400, 'missing multipart boundary');
      const body = await readRequestBody(req);
      // A client that went away mid-body must not leave a (truncated) object.
      if (req.readableAborted) return;
      let parts;
      try {
        parts = parseMultipart(body, boundary);
      } catch (err) {
        return apiError(res, 400, (err as Error).message);
      }
      const meta = JSON.parse(parts[0].body.toString()) as { name?: string; contentType?: string };
      const contentType = /content-type:\s*([^\r\n]+)/i.exec(parts[1].headers)?.[1] ?? 'application/octet-stream';
      const object: StoredObject = { data: maybeCorrupt(Buffer.from(parts[1].body)), contentType: meta.contentType ?? contentType, created: new Date(), generation: String(generation++) };
      const objectName = name || meta.name || '';
      objects.set(objectName, object);
      return json(res, 200, resource(bucket, objectName, object));
    }
    if (uploadType === 'resumable') {
      stats.resumableSessions++;
      const meta = JSON.parse((await readRequestBody(req)).toString() || '{}') as { contentType?: string };
      const id = randomBytes(12).toString('hex');
      sessions.set(id, {
        bucket,
        name,
        contentType: String(req.headers['x-upload-content-type'] ?? meta.contentType ?? 'application/octet-stream'),
        parts: [],
        received: 0,
      });
      return json(res, 200, {}, { location: `${base}/upload/storage/v1/b/${bucket}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}` });
    }
    return apiError(res, 400, `unsupported uploadType ${uploadType}`);
  }

  function handleList(res: ServerResponse, url: URL, bucket: string): void {
    const objects = buckets.get(bucket);
    if (!objects) return apiError(res, 404, `bucket ${bucket} not found`);
    const prefix = url.searchParams.get('prefix') ?? '';
    const delimiter = url.searchParams.get('delimiter');
    const max = Math.min(Number(url.searchParams.get('maxResults') ?? pageSize), pageSize);
    const start = url.searchParams.get('pageToken') ?? '';
    const names = [...objects.keys()].filter((n) => n.startsWith(prefix) && n > start).sort();
    const items: unknown[] = [];
    const prefixes = new Set<string>();
    let next: string | undefined;
    for (const name of names) {
      if (items.length + prefixes.size >= max) {
        next = items.length ? (items[items.length - 1] as { name: string }).name : undefined;
        break;
      }
      const rest = name.slice(prefix.length);
      if (delimiter && rest.includes(delimiter)) prefixes.add(prefix + rest.slice(0, rest.indexOf(delimiter) + 1));
      else items.push(resource(bucket, name, objects.get(name)!));
    }
    json(res, 200, { kind: 'storage#objects', items, prefixes: [...prefixes], ...(next && { nextPageToken: next }) });
  }

  async function handleJsonApi(req: IncomingMessage, res: ServerResponse, url: URL, path: string): Promise<void> {
    const bucketMatch = /^\/b\/([^/]+)$/.exec(path);
    if (bucketMatch && req.method === 'GET') {
      const bucket = decodeURIComponent(bucketMatch[1]);
      if (!buckets.has(bucket)) return apiError(res, 404, `The specified bucket does not exist.`);
      return json(res, 200, { kind: 'storage#bucket', id: bucket, name: bucket, iamConfiguration: { uniformBucketLevelAccess: { enabled: true } } });
    }
    const listMatch = /^\/b\/([^/]+)\/o$/.exec(path);
    if (listMatch && req.method === 'GET') return handleList(res, url, decodeURIComponent(listMatch[1]));
    const objectMatch = /^\/b\/([^/]+)\/o\/(.+)$/.exec(path);
    if (objectMatch) {
      const bucket = decodeURIComponent(objectMatch[1]);
      const name = decodeURIComponent(objectMatch[2]);
      const object = buckets.get(bucket)?.get(name);
      if (req.method === 'DELETE') {
        if (!object) return apiError(res, 404, `No such object: ${bucket}/${name}`);
        buckets.get(bucket)!.delete(name);
        return void res.writeHead(204).end();
      }
      if (req.method === 'GET') {
        if (!object) return apiError(res, 404, `No such object: ${bucket}/${name}`);
        if (url.searchParams.get('alt') === 'media') {
          res.writeHead(200, { 'content-type': object.contentType, 'content-length': object.data.length });
          return void res.end(object.data);
        }
        return json(res, 200, resource(bucket, name, object));
      }
    }
    apiError(res, 404, `no route for ${req.method} ${path}`);
  }

  function handlePublic(req: IncomingMessage, res: ServerResponse, path: string): void {
    const m = /^\/([^/]+)\/(.+)$/.exec(path);
    const bucket = m ? decodeURIComponent(m[1]) : '';
    const object = m ? buckets.get(bucket)?.get(decodeURIComponent(m[2])) : undefined;
    if (!buckets.has(bucket) || !publicBuckets.has(bucket)) {
      // storage.googleapis.com answers 403 AccessDenied for a private bucket, existing key or not.
      res.writeHead(403, { 'content-type': 'application/xml' });
      return void res.end(req.method === 'HEAD' ? undefined : '<Error><Code>AccessDenied</Code></Error>');
    }
    if (!object) {
      res.writeHead(404, { 'content-type': 'application/xml' });
      return void res.end(req.method === 'HEAD' ? undefined : '<Error><Code>NoSuchKey</Code></Error>');
    }
    res.writeHead(200, { 'content-type': object.contentType, 'content-length': object.data.length });
    res.end(req.method === 'HEAD' ? undefined : object.data);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const path = url.pathname;
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(path);
    if (upload) {
      const id = url.searchParams.get('upload_id');
      if (id && req.method === 'PUT') return handleSessionPut(req, res, id);
      if (id && req.method === 'DELETE') {
        // Cancelling a session: GCS answers 499.
        await readRequestBody(req);
        if (sessions.delete(id)) stats.cancelledSessions++;
        return void res.writeHead(499).end();
      }
      if (req.method === 'POST') return handleUpload(req, res, url, decodeURIComponent(upload[1]));
    }
    // The client uses `<endpoint>/storage/v1` with apiEndpoint and the bare host with STORAGE_EMULATOR_HOST.
    if (path.startsWith('/storage/v1/b/')) return handleJsonApi(req, res, url, path.slice('/storage/v1'.length));
    if (path.startsWith('/b/')) return handleJsonApi(req, res, url, path);
    if (req.method === 'GET' || req.method === 'HEAD') return handlePublic(req, res, path);
    apiError(res, 404, `no route for ${req.method} ${path}`);
  }

  const loopback = await startLoopbackServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (!res.headersSent) apiError(res, 500, (err as Error).message);
      else res.destroy();
    });
  }, options.port);
  base = loopback.url;

  return {
    url: base,
    stats,
    rawKeys(bucket, prefix = '') {
      const names = [...(buckets.get(bucket)?.keys() ?? [])].filter((n) => n.startsWith(prefix));
      const open = [...sessions.values()].filter((s) => s.bucket === bucket && s.name.startsWith(prefix)).map((s) => `session:${s.name}`);
      return [...names, ...open];
    },
    reset() {
      for (const objects of buckets.values()) objects.clear();
      sessions.clear();
      corruptNext = false;
    },
    corruptNextUpload() {
      corruptNext = true;
    },
    stop: () => loopback.stop(),
  };
}
