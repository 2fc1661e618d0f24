import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ArtifactEntry, ArtifactStore, PutRequest, StoredArtifact } from '../artifact-store.js';
import { StoreError } from '../errors.js';
import { describeStoreConformance } from './store-conformance.js';

/**
 * The smallest honest store: bytes are staged per put and published only when the body
 * ended cleanly, served by a loopback HTTP server. It proves the suite passes a correct
 * store; the plugins' own test/ folders prove it against real servers.
 */
class MemoryStore implements ArtifactStore {
  readonly name = 'memory';
  constructor(
    private readonly base: string,
    readonly objects: Map<string, { bytes: Buffer; lastModified: number }>,
  ) {}

  async put(request: PutRequest): Promise<StoredArtifact> {
    const parts: Buffer[] = [];
    for await (const chunk of request.body) {
      if (request.signal?.aborted) throw new StoreError(this.name, 'upload aborted');
      parts.push(Buffer.from(chunk));
    }
    const bytes = Buffer.concat(parts);
    if (bytes.length !== request.size) throw new StoreError(this.name, `body had ${bytes.length} bytes, expected ${request.size}`);
    this.objects.set(request.key, { bytes, lastModified: Date.now() });
    return { key: request.key, url: this.url(request.key), size: bytes.length };
  }
  url(key: string): string {
    return `${this.base}/${key}`;
  }
  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }
  async *list(): AsyncIterable<ArtifactEntry> {
    for (const [key, o] of this.objects) yield { key, size: o.bytes.length, lastModified: o.lastModified };
  }
}

describeStoreConformance(
  'in-memory reference store',
  async () => {
    const objects = new Map<string, { bytes: Buffer; lastModified: number }>();
    const server: Server = createServer((req, res) => {
      const object = objects.get((req.url ?? '').slice(1));
      if (!object) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-length': object.bytes.length });
      res.end(req.method === 'HEAD' ? undefined : object.bytes);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const store = new MemoryStore(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, objects);
    return {
      store,
      rawKeys: async () => [...store.objects.keys()],
      teardown: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  },
  { largeBodyBytes: 1024 * 1024 + 3 },
);
