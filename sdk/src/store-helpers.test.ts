import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, StoreError } from './errors.js';
import { exactSize, headAnonymously, normalizeBaseUrl, normalizePrefix, probePublicRead } from './store-helpers.js';

async function drain(source: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const part of source) n += part.length;
  return n;
}

async function* parts(...sizes: number[]): AsyncGenerator<Uint8Array> {
  for (const size of sizes) yield new Uint8Array(size);
}

describe('exactSize', () => {
  it('passes a body of the declared size through', async () => {
    expect(await drain(exactSize(parts(3, 4), 7, 'x'))).toBe(7);
  });
  it('fails a short body at its end and a long one before the extra chunk', async () => {
    await expect(drain(exactSize(parts(3, 3), 7, 'x'))).rejects.toThrow(new StoreError('x', 'body ended after 6 bytes, declared size is 7'));
    await expect(drain(exactSize(parts(3, 5), 7, 'x'))).rejects.toThrow(/longer than its declared size of 7/);
  });
});

describe('prefixes and base URLs', () => {
  it('normalises prefixes to "" or one trailing slash', () => {
    expect([undefined, '', '/', 'a', '/a/b/', 'a//'].map(normalizePrefix)).toEqual(['', '', '', 'a/', 'a/b/', 'a/']);
  });
  it('strips trailing slashes and refuses query strings', () => {
    expect(normalizeBaseUrl('https://cdn.example.com/x//', 's')).toBe('https://cdn.example.com/x');
    expect(() => normalizeBaseUrl('https://cdn.example.com/x?sig=1', 'store.options.publicBaseUrl')).toThrow(ConfigError);
    expect(() => normalizeBaseUrl('ftp://cdn.example.com', 's')).toThrow(/must be an http\(s\) URL/);
  });
});

describe('probePublicRead against a loopback server', () => {
  let server: Server;
  let base = '';
  const objects = new Map<string, Uint8Array>();
  let mode: 'public' | 'private' | 'redirect' = 'public';

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = req.url ?? '';
      if (path.startsWith('/cdn/')) return void res.writeHead(200, { 'content-length': objects.get(path.slice(4))?.length ?? 0 }).end();
      if (mode === 'private') return void res.writeHead(403, { 'x-ms-error-code': 'PublicAccessNotPermitted' }).end();
      if (mode === 'redirect') return void res.writeHead(302, { location: `/cdn${path}` }).end();
      const body = objects.get(path);
      res.writeHead(body ? 200 : 404, { 'content-length': body?.length ?? 0 }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const probe = (extra: { followRedirects?: boolean } = {}) => {
    const removed: string[] = [];
    return {
      removed,
      run: () =>
        probePublicRead({
          store: 'test',
          key: 'probe.npy',
          setting: 'store.options.bucket',
          write: async (key, bytes) => {
            objects.set(`/${key}`, bytes);
            return `${base}/${key}`;
          },
          remove: async (key) => {
            objects.delete(`/${key}`);
            removed.push(key);
          },
          advice: () => 'make it public',
          ...extra,
        }),
    };
  };

  it('passes for a public object and removes the probe', async () => {
    mode = 'public';
    const p = probe();
    await p.run();
    expect(p.removed).toEqual(['probe.npy']);
  });

  it('fails with the status, vendor code and advice for a private object, still removing the probe', async () => {
    mode = 'private';
    const p = probe();
    const err = await p.run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).path).toBe('store.options.bucket');
    expect((err as Error).message).toMatch(/answered 403 \(PublicAccessNotPermitted\)\. make it public/);
    expect(p.removed).toEqual(['probe.npy']);
  });

  it('fails on a redirect, as the validator (aiohttp HEAD, no redirects) would', async () => {
    mode = 'redirect';
    expect((await headAnonymously(`${base}/x.npy`)).status).toBe(302);
    await expect(probe().run()).rejects.toThrow(/answered 302 \(redirect to \/cdn\/probe\.npy\)\. The validator's HEAD does not follow redirects/);
  });

  it('accepts a redirect to a 200 when told validators follow redirects', async () => {
    mode = 'redirect';
    await probe({ followRedirects: true }).run();
  });
});
