import { describe, expect, it } from 'vitest';
import { silentLogger } from '@neural-condense/sdk';
import { createBackendApp } from '../app.js';
import { loopbackOnly } from './condense.js';
import type { CondenseService } from '../../pipeline/types.js';

describe('POST /condense access', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.5', false],
    ['203.0.113.9', false],
    ['::ffff:203.0.113.9', false],
    ['fe80::1', false],
    ['', false],
  ])('loopbackOnly(%j) is %s', (address, allowed) => {
    expect(loopbackOnly(address)).toBe(allowed);
  });

  it('answers a refused caller 403 JSON and never reaches the compressor', async () => {
    let calls = 0;
    const condense: CondenseService = { condense: async () => (calls++, { target_model: 'm', timings: {} }) };
    const app = createBackendApp({
      logger: silentLogger,
      maxBodyBytes: 10_000,
      condenseAccess: () => false,
      runtime: () => ({ condense, store: { name: 'x' } as never, health: undefined as never }),
    });
    const { createServer } = await import('node:http');
    const server = createServer(app.callback()).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const port = (server.address() as { port: number }).port;
      const res = await fetch(`http://127.0.0.1:${port}/condense`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"context":"a","target_model":"m"}' });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: 'forbidden' });
      expect(calls).toBe(0);
    } finally {
      server.close();
    }
  });
});
