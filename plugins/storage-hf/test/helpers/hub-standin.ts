// A loopback stand-in for exactly the Hugging Face Hub endpoints @huggingface/hub 2.x
// calls for this plugin (read from node_modules/@huggingface/hub/src/lib/commit.ts,
// list-files.ts, paths-info.ts, repo-exists.ts): repo info, preupload, the Git LFS batch
// API with the "basic" and HF "multipart" transfers (the client falls back to them when
// the server does not offer "xet"), the upload targets the batch returns, the NDJSON
// commit, tree listing with Link pagination, paths-info, and `resolve`, which redirects
// LFS files to a "CDN" path with a 302 as huggingface.co does. `/proxy/<repo>/<path>`
// plays the redirect-following proxy the plugin's docs recommend (HEAD answers 200).
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startLoopbackServer, readRequestBody, sendJson } from '@neural-condense/sdk/testing';

interface RepoFile {
  /** Bytes of the file (LFS content, or the regular file itself). */
  data: Buffer;
  lfsOid?: string;
  committedAt: Date;
  commit: string;
}

interface Repo {
  private: boolean;
  files: Map<string, RepoFile>;
}

/** Counters tests read to prove which protocol path the client took. */
export interface HubStandinStats {
  preuploads: number;
  batches: number;
  basicUploads: number;
  multipartParts: number;
  multipartCompletions: number;
  commits: number;
  /** Requests answered 429. */
  throttled: number;
  /** Paths of every operation of every commit, e.g. `+a.npy`, `-b.npy`. */
  commitOps: string[][];
}

export interface HubStandinOptions {
  /** Repos that exist, as `model:owner/name` or `dataset:owner/name`. */
  repos: string[];
  /** Repos anonymous readers cannot see. */
  privateRepos?: string[];
  /** The one token the stand-in accepts for writes. */
  token: string;
  /** LFS objects larger than this get the multipart transfer. Default 5 MiB. */
  multipartThreshold?: number;
  /** Part size the multipart transfer asks for. Default 2 MiB. */
  multipartChunk?: number;
  /** Tree page size (Link header pagination). Default 50. */
  treePageSize?: number;
}

/** A running stand-in. */
export interface HubStandin {
  url: string;
  stats: HubStandinStats;
  /** Paths committed in a repo (`dataset:owner/name`) under a prefix. */
  committedPaths(repo: string, prefix?: string): string[];
  /** LFS objects uploaded but not referenced by any commit (orphans; never visible). */
  orphanLfsObjects(): string[];
  /** The next `count` requests to `endpoint` answer 429 with this Retry-After (seconds). */
  throttle(endpoint: 'commit' | 'preupload', retryAfterSeconds: number, count?: number): void;
  stop(): Promise<void>;
}

const REGULAR_LIMIT = 10 * 1024 * 1024;



function hubError(res: ServerResponse, status: number, message: string, code?: string): void {
  sendJson(res, status, { error: message }, code ? { 'x-error-code': code } : {});
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Starts the stand-in on 127.0.0.1 and a free port. */
export async function startHubStandin(options: HubStandinOptions): Promise<HubStandin> {
  const repos = new Map<string, Repo>(options.repos.map((r) => [r, { private: options.privateRepos?.includes(r) ?? false, files: new Map() }]));
  const lfs = new Map<string, Buffer>();
  const multiparts = new Map<string, Map<number, Buffer>>();
  const multipartThreshold = options.multipartThreshold ?? 5 * 1024 * 1024;
  const multipartChunk = options.multipartChunk ?? 2 * 1024 * 1024;
  const treePageSize = options.treePageSize ?? 50;
  const throttles: Record<string, { seconds: number; count: number }> = {};
  const stats: HubStandinStats = { preuploads: 0, batches: 0, basicUploads: 0, multipartParts: 0, multipartCompletions: 0, commits: 0, throttled: 0, commitOps: [] };
  let base = '';

  const authorized = (req: IncomingMessage) => req.headers.authorization === `Bearer ${options.token}`;

  function throttled(endpoint: string, res: ServerResponse): boolean {
    const t = throttles[endpoint];
    if (!t || t.count <= 0) return false;
    t.count--;
    stats.throttled++;
    sendJson(res, 429, { error: `You have exceeded our hourly quotas for action: ${endpoint}. We invite you to retry later.` }, { 'retry-after': String(t.seconds) });
    return true;
  }

  function entry(path: string, file: RepoFile, expand: boolean) {
    return {
      type: 'file',
      path,
      oid: sha256(Buffer.from(`blob ${file.data.length}\0${file.data.toString('latin1')}`, 'latin1')).slice(0, 40),
      size: file.lfsOid ? 134 : file.data.length,
      ...(file.lfsOid && { lfs: { oid: file.lfsOid, size: file.data.length, pointerSize: 134 } }),
      ...(expand && { lastCommit: { id: file.commit, title: 'upload', date: file.committedAt.toISOString() } }),
    };
  }

  async function commit(req: IncomingMessage, res: ServerResponse, repoKey: string, repo: Repo): Promise<void> {
    const lines = (await readRequestBody(req)).toString().split('\n').filter(Boolean);
    if (throttled('commit', res)) return;
    const ops = lines.map((l) => JSON.parse(l) as { key: string; value: Record<string, unknown> });
    if (ops[0]?.key !== 'header') return hubError(res, 400, 'first NDJSON line must be the header');
    const commitId = randomBytes(20).toString('hex');
    const staged = new Map(repo.files);
    const applied: string[] = [];
    for (const { key, value } of ops.slice(1)) {
      const path = String(value.path);
      if (key === 'lfsFile') {
        const data = lfs.get(String(value.oid));
        if (!data || data.length !== value.size) return hubError(res, 422, `LFS object ${String(value.oid)} of ${path} was not uploaded`);
        staged.set(path, { data, lfsOid: String(value.oid), committedAt: new Date(), commit: commitId });
        applied.push(`+${path}`);
      } else if (key === 'file') {
        staged.set(path, { data: Buffer.from(String(value.content), 'base64'), committedAt: new Date(), commit: commitId });
        applied.push(`+${path}`);
      } else if (key === 'deletedFile') {
        if (!staged.delete(path)) return hubError(res, 404, `Cannot delete ${path}: file not found`, 'EntryNotFound');
        applied.push(`-${path}`);
      } else {
        return hubError(res, 400, `unsupported operation ${key}`);
      }
    }
    // A commit applies whole or not at all.
    repo.files = staged;
    stats.commits++;
    stats.commitOps.push(applied);
    sendJson(res, 200, { commitOid: commitId, commitUrl: `${base}/${repoKey}/commit/${commitId}`, hookOutput: '', success: true });
  }

  async function api(req: IncomingMessage, res: ServerResponse, url: URL, type: string, name: string, rest: string): Promise<void> {
    const repoKey = `${type}:${name}`;
    const repo = repos.get(repoKey);
    const anonymousHidden = !repo || (repo.private && !authorized(req));
    if (rest === '' && req.method === 'GET') {
      if (anonymousHidden) return hubError(res, req.headers.authorization ? 404 : 401, 'Repository not found', 'RepoNotFound');
      return sendJson(res, 200, { id: name, private: repo.private });
    }
    if (anonymousHidden) return hubError(res, 404, 'Repository not found', 'RepoNotFound');
    const write = req.method === 'POST' && /^\/(preupload|commit)\//.test(rest);
    if (write && !authorized(req)) return hubError(res, 401, 'Invalid credentials in Authorization header');
    if (rest.startsWith('/preupload/')) {
      const body = JSON.parse((await readRequestBody(req)).toString()) as { files: Array<{ path: string; size: number }> };
      if (throttled('preupload', res)) return;
      stats.preuploads++;
      // Like the default .gitattributes of a new repo: *.npy is LFS, and so is anything over 10 MB.
      return sendJson(res, 200, { files: body.files.map((f) => ({ path: f.path, uploadMode: f.path.endsWith('.npy') || f.size > REGULAR_LIMIT ? 'lfs' : 'regular' })) });
    }
    if (rest.startsWith('/commit/')) return commit(req, res, repoKey, repo);
    if (rest.startsWith('/paths-info/') && req.method === 'POST') {
      const body = JSON.parse((await readRequestBody(req)).toString()) as { paths: string[]; expand?: boolean };
      return sendJson(res, 200, body.paths.filter((p) => repo.files.has(p)).map((p) => entry(p, repo.files.get(p)!, !!body.expand)));
    }
    const tree = /^\/tree\/[^/]+(?:\/(.*))?$/.exec(rest);
    if (tree && req.method === 'GET') {
      const dir = tree[1] ? decodeURIComponent(tree[1]) : '';
      const recursive = url.searchParams.get('recursive') === 'true';
      const expand = url.searchParams.get('expand') === 'true';
      const prefix = dir ? `${dir}/` : '';
      const paths = [...repo.files.keys()].filter((p) => p.startsWith(prefix)).sort();
      if (dir && paths.length === 0) return hubError(res, 404, `Entry not found: ${dir}`, 'EntryNotFound');
      const items: unknown[] = [];
      const dirs = new Set<string>();
      for (const p of paths) {
        const inner = p.slice(prefix.length);
        if (!recursive && inner.includes('/')) dirs.add(prefix + inner.slice(0, inner.indexOf('/')));
        else items.push(entry(p, repo.files.get(p)!, expand));
      }
      const all = [...[...dirs].map((d) => ({ type: 'directory', path: d, oid: '0', size: 0 })), ...items];
      const cursor = Number(url.searchParams.get('cursor') ?? 0);
      const page = all.slice(cursor, cursor + treePageSize);
      const headers: Record<string, string> = {};
      if (cursor + treePageSize < all.length) {
        const next = new URL(url);
        next.searchParams.set('cursor', String(cursor + treePageSize));
        headers.link = `<${next.toString()}>; rel="next"`;
      }
      return sendJson(res, 200, page, headers);
    }
    hubError(res, 404, `no route for ${req.method} ${url.pathname}`);
  }

  async function lfsBatch(req: IncomingMessage, res: ServerResponse, type: string, name: string): Promise<void> {
    if (!authorized(req)) return hubError(res, 401, 'Invalid credentials');
    if (!repos.has(`${type}:${name}`)) return hubError(res, 404, 'Repository not found');
    stats.batches++;
    const body = JSON.parse((await readRequestBody(req)).toString()) as { transfers: string[]; objects: Array<{ oid: string; size: number }> };
    const multipart = body.objects.some((o) => o.size > multipartThreshold) && body.transfers.includes('multipart');
    const objects = body.objects.map((o) => {
      if (lfs.has(o.oid)) return { oid: o.oid, size: o.size }; // already stored: no upload action
      if (multipart && o.size > multipartThreshold) {
        const parts = Math.ceil(o.size / multipartChunk);
        const header: Record<string, string> = { chunk_size: String(multipartChunk) };
        for (let i = 1; i <= parts; i++) header[String(i).padStart(5, '0')] = `${base}/lfs-part/${o.oid}/${i}`;
        return { oid: o.oid, size: o.size, authenticated: true, actions: { upload: { href: `${base}/lfs-complete/${o.oid}`, header } } };
      }
      return { oid: o.oid, size: o.size, authenticated: true, actions: { upload: { href: `${base}/lfs-upload/${o.oid}` } } };
    });
    sendJson(res, 200, { transfer: multipart ? 'multipart' : 'basic', objects }, { 'content-type': 'application/vnd.git-lfs+json' });
  }

  function resolve(req: IncomingMessage, res: ServerResponse, type: string, name: string, path: string): void {
    const repo = repos.get(`${type}:${name}`);
    if (!repo || (repo.private && !authorized(req))) return hubError(res, 401, 'Repository not found', 'RepoNotFound');
    const file = repo.files.get(path);
    if (!file) return hubError(res, 404, 'Entry not found', 'EntryNotFound');
    if (file.lfsOid) {
      // huggingface.co answers LFS (and Xet) files with a redirect to its CDN.
      res.writeHead(302, { location: `${base}/cdn/${file.lfsOid}`, 'x-linked-size': String(file.data.length), 'x-linked-etag': `"${file.lfsOid}"`, 'content-length': '0' });
      return void res.end();
    }
    res.writeHead(200, { 'content-length': file.data.length, 'content-type': 'application/octet-stream' });
    res.end(req.method === 'HEAD' ? undefined : file.data);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const path = decodeURIComponent(url.pathname);
    let m = /^\/api\/(models|datasets)\/([^/]+\/[^/]+)(.*)$/.exec(path);
    if (m) return api(req, res, url, m[1].slice(0, -1), m[2], m[3]);
    m = /^\/(?:(datasets)\/)?([^/]+\/[^/]+)\.git\/info\/lfs\/objects\/batch$/.exec(path);
    if (m && req.method === 'POST') return lfsBatch(req, res, m[1] ? 'dataset' : 'model', m[2]);
    m = /^\/lfs-upload\/([0-9a-f]{64})$/.exec(path);
    if (m && req.method === 'PUT') {
      const data = await readRequestBody(req);
      if (sha256(data) !== m[1]) return hubError(res, 400, 'sha256 of the uploaded body does not match the oid');
      stats.basicUploads++;
      lfs.set(m[1], data);
      return void res.writeHead(200).end();
    }
    m = /^\/lfs-part\/([0-9a-f]{64})\/(\d+)$/.exec(path);
    if (m && req.method === 'PUT') {
      const data = await readRequestBody(req);
      stats.multipartParts++;
      if (!multiparts.has(m[1])) multiparts.set(m[1], new Map());
      multiparts.get(m[1])!.set(Number(m[2]), data);
      return void res.writeHead(200, { etag: `"${sha256(data).slice(0, 32)}"` }).end();
    }
    m = /^\/lfs-complete\/([0-9a-f]{64})$/.exec(path);
    if (m && req.method === 'POST') {
      const body = JSON.parse((await readRequestBody(req)).toString()) as { oid: string; parts: Array<{ partNumber: number; etag: string }> };
      const stored = multiparts.get(m[1]);
      const parts = body.parts.map((p) => stored?.get(p.partNumber));
      if (parts.some((p, i) => !p || `"${sha256(p).slice(0, 32)}"` !== body.parts[i].etag)) return hubError(res, 400, 'a part is missing or its etag does not match');
      const data = Buffer.concat(parts as Buffer[]);
      if (sha256(data) !== m[1]) return hubError(res, 400, 'assembled object does not match its oid');
      multiparts.delete(m[1]);
      stats.multipartCompletions++;
      lfs.set(m[1], data);
      return void res.writeHead(200).end();
    }
    m = /^\/cdn\/([0-9a-f]{64})$/.exec(path);
    if (m && (req.method === 'GET' || req.method === 'HEAD')) {
      const data = lfs.get(m[1]);
      if (!data) return hubError(res, 404, 'not found');
      res.writeHead(200, { 'content-length': data.length, 'content-type': 'application/octet-stream' });
      return void res.end(req.method === 'HEAD' ? undefined : data);
    }
    m = /^\/proxy\/(?:(datasets)\/)?([^/]+\/[^/]+)\/(.+)$/.exec(path);
    if (m && (req.method === 'GET' || req.method === 'HEAD')) {
      // What the documented workaround puts in front of the Hub: a proxy that follows the
      // resolve redirect itself, so HEAD answers 200 with the file's length.
      const file = repos.get(`${m[1] ? 'dataset' : 'model'}:${m[2]}`)?.files.get(m[3]);
      if (!file) return hubError(res, 404, 'not found');
      res.writeHead(200, { 'content-length': file.data.length, 'content-type': 'application/octet-stream' });
      return void res.end(req.method === 'HEAD' ? undefined : file.data);
    }
    m = /^\/(?:(datasets)\/)?([^/]+\/[^/]+)\/resolve\/[^/]+\/(.+)$/.exec(path);
    if (m && (req.method === 'GET' || req.method === 'HEAD')) return resolve(req, res, m[1] ? 'dataset' : 'model', m[2], m[3]);
    hubError(res, 404, `no route for ${req.method} ${path}`);
  }

  const loopback = await startLoopbackServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (!res.headersSent) hubError(res, 500, (err as Error).message);
      else res.destroy();
    });
  });
  base = loopback.url;

  return {
    url: base,
    stats,
    committedPaths: (repo, prefix = '') => [...(repos.get(repo)?.files.keys() ?? [])].filter((p) => p.startsWith(prefix)).sort(),
    orphanLfsObjects() {
      const referenced = new Set([...repos.values()].flatMap((r) => [...r.files.values()].map((f) => f.lfsOid)));
      return [...lfs.keys()].filter((oid) => !referenced.has(oid));
    },
    throttle(endpoint, retryAfterSeconds, count = 1) {
      throttles[endpoint] = { seconds: retryAfterSeconds, count };
    },
    stop: () => loopback.stop(),
  };
}
