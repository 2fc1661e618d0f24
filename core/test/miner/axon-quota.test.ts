import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DeadlineExceededError } from '@neural-condense/sdk';
import { signRequest, type SignOptions } from '../helpers/dendrite-signer.js';
import { CountingService, devKeys, startAxon, TIER, type Harness, type Keys } from './axon-harness.js';

let keys: Keys;
const open: { close(): Promise<void> }[] = [];
let seq = 0n;

beforeAll(async () => {
  keys = await devKeys();
});
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

function sign(h: Harness, pair: Keys['alice'], options: Partial<SignOptions> = {}) {
  return signRequest(pair, {
    name: 'TextCompressProtocol',
    axonHotkey: keys.miner.address,
    fields: { context: 'ctx', target_model: TIER.targetModels[0] },
    timeout: 32,
    nonce: BigInt(h.clock.now()) * 1_000_000n + ++seq,
    ...options,
  });
}

async function start(config: Record<string, unknown>, service?: CountingService, remote = false): Promise<Harness> {
  const h = await startAxon(keys, config, service, remote);
  open.push(h);
  return h;
}

describe('axon rate limit', () => {
  // Whitelisted stakes: alice 20000, dave 30000, eve 20000 (sum 70000); rpe 7, floor 2:
  // alice = max(trunc(7*20000/70000)=2, 2) = 2, dave = max(3, 2) = 3.
  const config = { rateLimit: { requestsPerEpoch: 7, minPerValidator: 2, epochSeconds: 600 } };

  it('refuses a validator over its stake-share quota until the epoch turns', async () => {
    const h = await start(config);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await h.send(sign(h, keys.dave))).status);
    expect(statuses).toEqual([200, 200, 200, 403]);
    const over = await h.send(sign(h, keys.dave));
    expect(((await over.json()) as { message: string }).message).toBe('Forbidden. Key is blacklisted: Rate limit exceeded..');
    expect(h.service.calls).toBe(3);
    h.clock.advance(600_000);
    expect((await h.send(sign(h, keys.dave))).status).toBe(200);
    expect(h.service.calls).toBe(4);
  });

  it('does not let forged requests use up a real validator’s quota', async () => {
    const h = await start(config);
    for (let i = 0; i < 10; i++) {
      const forged = sign(h, keys.charlie); // signed by someone else...
      const res = await h.send(forged, {
        // ...but claiming to be alice
        headers: { bt_header_dendrite_hotkey: keys.alice.address },
      });
      expect(res.status).toBe(401);
    }
    const real = [await h.send(sign(h, keys.alice)), await h.send(sign(h, keys.alice)), await h.send(sign(h, keys.alice))];
    expect(real.map((r) => r.status)).toEqual([200, 200, 403]);
    expect(h.service.calls).toBe(2);
  });

  it('lets allow-listed hotkeys through the blacklist and the quota, and refuses deny-listed ones', async () => {
    const h = await start({ ...config, blacklist: { allowHotkeys: [keys.charlie.address], denyHotkeys: [keys.dave.address] } });
    for (let i = 0; i < 3; i++) expect((await h.send(sign(h, keys.charlie))).status).toBe(200);
    const denied = await h.send(sign(h, keys.dave));
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { message: string }).message).toMatch(/deny list/);
  });

  it('requires a validator permit when configured', async () => {
    const h = await start({ blacklist: { requireValidatorPermit: true } });
    expect((await h.send(sign(h, keys.dave))).status).toBe(403); // dave has no permit
    expect((await h.send(sign(h, keys.alice))).status).toBe(200);
  });

  it('takes 0 TAO as the minimum stake on the test network', async () => {
    const h = await start({ subtensor: { network: 'test' } });
    // bob (5000 TAO) is below the 10000 default but fine on testnet.
    expect((await h.send(sign(h, keys.bob))).status).toBe(200);
  });
});

describe('axon forward', () => {
  it('answers 408 at the synapse timeout and aborts the compressor', async () => {
    const service = new CountingService();
    service.behaviour = (_input, options) =>
      new Promise((_resolve, reject) => options?.signal?.addEventListener('abort', () => reject(new DeadlineExceededError('aborted by test'))));
    const h = await start({}, service);
    const started = performance.now();
    const res = await h.send(sign(h, keys.alice, { timeout: 0.3 }));
    const took = performance.now() - started;
    expect(res.status).toBe(408);
    expect(((await res.json()) as { message: string }).message).toBe('Response timeout after: 0.3s');
    expect(took).toBeLessThan(3000);
    expect(service.signals[0]?.aborted).toBe(true);
  });

  it('answers 408 even when the compressor ignores the abort', async () => {
    const service = new CountingService();
    service.behaviour = () => new Promise(() => {});
    const h = await start({}, service);
    const res = await h.send(sign(h, keys.alice, { timeout: 0.2 }));
    expect(res.status).toBe(408);
  });

  it('turns a compressor error into a failed synapse with its status and message', async () => {
    const service = new CountingService();
    service.behaviour = async () => {
      const { ContextTooLongError } = await import('@neural-condense/sdk');
      throw new ContextTooLongError(20_000, 10_000);
    };
    const h = await start({}, service);
    const res = await h.send(sign(h, keys.alice));
    expect(res.status).toBe(413);
    expect(res.headers.get('bt_header_axon_status_code')).toBe('413');
    expect(((await res.json()) as { message: string }).message).toMatch(/20000 characters; this tier accepts at most 10000/);
  });

  it('forwards to a remote backend over HTTP and relays its errors', async () => {
    const seen: unknown[] = [];
    let fail = false;
    const backend: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, body: JSON.parse(body) });
        res.setHeader('content-type', 'application/json');
        if (fail) {
          res.statusCode = 500;
          res.end(JSON.stringify({ error: 'internal', detail: 'GPU fell over' }));
        } else {
          res.end(JSON.stringify({ target_model: 'm', compressed_kv_url: 'http://127.0.0.1:1/remote.npy', timings: {} }));
        }
      });
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    open.push({ close: () => new Promise<void>((r) => backend.close(() => r())) });
    const port = (backend.address() as AddressInfo).port;
    const h = await start({ backend: { host: '127.0.0.1', port } }, undefined, true);

    const ok = await h.send(sign(h, keys.alice, { fields: { context: 'remote ctx', target_model: 'mistralai/Mistral-7B-Instruct-v0.2' } }));
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { compressed_kv_url: string }).compressed_kv_url).toBe('http://127.0.0.1:1/remote.npy');
    expect(seen[0]).toEqual({ method: 'POST', url: '/condense', body: { context: 'remote ctx', target_model: 'mistralai/Mistral-7B-Instruct-v0.2' } });

    fail = true;
    const bad = await h.send(sign(h, keys.alice));
    expect(bad.status).toBe(502);
    expect(((await bad.json()) as { message: string }).message).toBe('backend answered 500: GPU fell over');

    await new Promise<void>((r) => backend.close(() => r()));
    const down = await h.send(sign(h, keys.alice));
    expect(down.status).toBe(502);
    expect(((await down.json()) as { message: string }).message).toMatch(/unreachable.*ECONNREFUSED/);
  });
});
