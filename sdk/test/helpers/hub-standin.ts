import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A loopback stand-in for the Hugging Face Hub, implementing only the endpoints
// @huggingface/hub's modelInfo, listFiles and downloadFile call:
//   GET /api/models/<org>/<name>/revision/<rev>   → { id, sha, ... }
//   GET /api/models/<org>/<name>/tree/<rev>       → [{ type, path, size, oid, lfs? }]
//   GET /<org>/<name>/resolve/<rev>/<path>        → bytes, honouring Range (206 + Content-Range)
// Private repos answer 401 without the right bearer token, unknown repos 404, as the Hub does.
// `cutAfter` breaks a transfer midway (the socket is destroyed) to test resumption.

/** A repo the stand-in serves. */
export interface StandinRepo {
  commit: string;
  files: Map<string, Uint8Array>;
  /** Files served as LFS (sha256 oid); defaults to *.safetensors. */
  lfs?: (path: string) => boolean;
  /** When set, requests must carry `Authorization: Bearer <token>`. */
  token?: string;
}

/** One request the stand-in saw. */
export interface StandinRequest {
  method: string;
  path: string;
  range: string | undefined;
  authorization: string | undefined;
}

/** A running stand-in. */
export interface HubStandin {
  url: string;
  repos: Map<string, StandinRepo>;
  requests: StandinRequest[];
  /** Break the next `times` data transfers of `path` after `bytes` bytes of the body. */
  cutAfter(path: string, bytes: number, times?: number): void;
  close(): Promise<void>;
}

const gitSha1 = (b: Uint8Array) => createHash('sha1').update(`blob ${b.byteLength}\0`).update(b).digest('hex');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Starts the stand-in on 127.0.0.1 at a free port. */
export async function startHubStandin(): Promise<HubStandin> {
  const repos = new Map<string, StandinRepo>();
  const requests: StandinRequest[] = [];
  const cuts = new Map<string, { bytes: number; times: number }>();

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    requests.push({ method: req.method ?? 'GET', path, range: req.headers.range, authorization: req.headers.authorization });
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };

    let m = /^\/api\/models\/([^/]+\/[^/]+)\/(revision|tree)\/([^/]+)$/.exec(path);
    const resolveMatch = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    const repoId = m?.[1] ?? resolveMatch?.[1];
    const repo = repoId ? repos.get(repoId) : undefined;
    if (!repoId || (!m && !resolveMatch)) return json(404, { error: 'Not found' });
    if (repo?.token && req.headers.authorization !== `Bearer ${repo.token}`) {
      return json(401, { error: 'Invalid username or password.' }, { 'x-error-code': 'RepoNotFound' });
    }
    if (!repo) return json(404, { error: 'Repository not found' }, { 'x-error-code': 'RepoNotFound' });
    const rev = m?.[3] ?? resolveMatch?.[2];
    if (rev !== 'main' && rev !== repo.commit) return json(404, { error: `Invalid rev id: ${rev}` }, { 'x-error-code': 'RevisionNotFound' });
    const isLfs = repo.lfs ?? ((p: string) => p.endsWith('.safetensors'));

    if (m?.[2] === 'revision') {
      return json(200, { _id: 'standin', id: repoId, sha: repo.commit, private: !!repo.token, gated: false, downloads: 0, likes: 0, lastModified: '2025-01-01T00:00:00.000Z', pipeline_tag: 'text-generation' });
    }
    if (m?.[2] === 'tree') {
      return json(
        200,
        [...repo.files].map(([p, bytes]) => ({
          type: 'file',
          path: p,
          size: bytes.byteLength,
          oid: gitSha1(isLfs(p) ? new TextEncoder().encode(`lfs pointer ${p}`) : bytes),
          ...(isLfs(p) ? { lfs: { oid: sha256(bytes), size: bytes.byteLength, pointerSize: 134 } } : {}),
        })),
      );
    }
    m = null;
    const filePath = resolveMatch![3];
    const bytes = repo.files.get(filePath);
    if (!bytes) return json(404, { error: 'Entry not found' }, { 'x-error-code': 'EntryNotFound' });
    const etag = `"${isLfs(filePath) ? sha256(bytes) : gitSha1(bytes)}"`;
    let start = 0;
    let end = bytes.byteLength - 1;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), end) : end;
    }
    const body = bytes.subarray(start, end + 1);
    res.writeHead(range ? 206 : 200, {
      'content-type': 'application/octet-stream',
      'content-length': String(body.byteLength),
      etag,
      ...(isLfs(filePath) ? { 'x-linked-etag': etag, 'x-linked-size': String(bytes.byteLength) } : {}),
      ...(range ? { 'content-range': `bytes ${start}-${end}/${bytes.byteLength}` } : {}),
    });
    const cut = cuts.get(filePath);
    // Only real transfers are cut, not downloadFile's one-byte size probe.
    if (cut && cut.times > 0 && body.byteLength > 1) {
      cut.times--;
      res.write(body.subarray(0, cut.bytes), () => res.destroy());
      return;
    }
    res.end(body);
  };

  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    repos,
    requests,
    cutAfter(path, bytes, times = 1) {
      cuts.set(path, { bytes, times });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
