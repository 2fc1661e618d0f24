import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest, type SignOptions } from '../helpers/dendrite-signer.js';
import { devKeys, startAxon, TIER, type Harness, type Keys } from './axon-harness.js';

let keys: Keys;
let h: Harness;
let seq = 0n;

function sign(pair: Keys['alice'], options: Partial<SignOptions> & { name?: string } = {}) {
  // Nonces from the axon's own (manual) clock, strictly increasing within the test.
  const nonce = options.nonce ?? BigInt(h.clock.now()) * 1_000_000n + ++seq;
  return signRequest(pair, {
    name: 'TextCompressProtocol',
    axonHotkey: keys.miner.address,
    fields: { context: 'The quick brown fox. '.repeat(20), target_model: TIER.targetModels[0] },
    timeout: 32,
    ...options,
    nonce,
  });
}

async function expectRejected(res: Response, status: number, message: RegExp) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.headers.get('bt_header_axon_status_code')).toBe(String(status));
  const body = (await res.json()) as { message: string };
  expect(body.message).toMatch(message);
  expect(res.headers.get('bt_header_axon_status_message')).toBe(body.message.replace(/[^\x20-\x7e]/g, '?'));
}

beforeAll(async () => {
  keys = await devKeys();
  h = await startAxon(keys, { axon: { maxBodyBytes: 20_000 } });
});
afterAll(async () => {
  await h.close();
});

describe('axon: every bad request is refused before the compressor', () => {
  it('refuses the whole matrix with the spec’s statuses and never calls the CondenseService', async () => {
    const cases: [string, () => Promise<Response>, number, RegExp][] = [
      [
        'bad signature',
        () => {
          const r = sign(keys.alice);
          const sig = r.headers.bt_header_dendrite_signature;
          const flipped = sig.slice(0, 10) + (sig[10] === 'a' ? 'b' : 'a') + sig.slice(11);
          return h.send(r, { headers: { bt_header_dendrite_signature: flipped } });
        },
        401,
        /^Not Verified with error: Signature mismatch/,
      ],
      ['signed for another miner', () => h.send(sign(keys.alice, { axonHotkey: keys.otherMiner.address })), 401, /Signature mismatch/],
      ['stale nonce', () => h.send(sign(keys.alice, { nonce: BigInt(h.clock.now() - 40_000) * 1_000_000n })), 401, /Nonce is too old: acceptable delta is 36.00 seconds but request was 40.00 seconds old/],
      ['body hash header changed after signing', () => h.send(sign(keys.alice), { headers: { computed_body_hash: 'f'.repeat(64) } }), 401, /Signature mismatch/],
      ['signed with a wrong body hash', () => h.send(sign(keys.alice, { bodyHash: '0'.repeat(64) })), 500, /^Hash mismatch between header body hash 0{64}/],
      ['unregistered hotkey', () => h.send(sign(keys.charlie)), 403, /^Forbidden\. Key is blacklisted: Hotkey is not registered on netuid 47\.\.$/],
      ['stake below the minimum', () => h.send(sign(keys.bob)), 403, /^Forbidden\. Key is blacklisted: Stake too low\.\.$/],
      ['oversize body', () => h.send(sign(keys.alice, { fields: { context: 'x'.repeat(30_000), target_model: 'm' } })), 413, /at most 20000 bytes/],
      ['oversize chunked body', () => {
        const r = sign(keys.alice);
        const stream = new ReadableStream({ start(c) { for (let i = 0; i < 5; i++) c.enqueue(new TextEncoder().encode('x'.repeat(10_000))); c.close(); } });
        return fetch(h.url + r.path, { method: 'POST', headers: r.headers, body: stream, duplex: 'half' } as RequestInit);
      }, 413, /at most 20000 bytes/],
      ['unknown synapse route', () => h.send(sign(keys.alice, { name: 'ImageCompressProtocol' })), 404, /^Synapse name 'ImageCompressProtocol' not found\. Available synapses \['TextCompressProtocol', 'Metadata', 'Synapse'\]$/],
      ['mistyped body field', () => h.send(sign(keys.alice, { fields: { context: 42 } })), 422, /context/],
      ['missing nonce', () => {
        const r = sign(keys.alice);
        const { bt_header_dendrite_nonce: _n, ...headers } = r.headers;
        return fetch(h.url + r.path, { method: 'POST', headers, body: r.body });
      }, 401, /Missing Nonce/],
    ];
    // Replay: the first send is served; the same bytes again are refused.
    const replay = sign(keys.alice, { uuid: 'fixed-uuid' });
    const first = await h.send(replay);
    expect(first.status).toBe(200);
    expect(h.service.calls).toBe(1);
    cases.push(['replayed nonce', () => h.send(replay), 401, /Nonce is too old, a newer one was last processed/]);
    cases.push(['older nonce, same dendrite', () => h.send(sign(keys.alice, { uuid: 'fixed-uuid', nonce: BigInt(replay.headers.bt_header_dendrite_nonce) - 5n })), 401, /a newer one was last processed/]);

    let refused = 0;
    for (const [label, send, status, message] of cases) {
      const res = await send();
      try {
        await expectRejected(res, status, message);
      } catch (err) {
        throw new Error(`${label}: ${(err as Error).message}`);
      }
      refused++;
    }
    expect(refused).toBe(cases.length);
    expect(h.service.calls).toBe(1); // only the genuine first send of the replay pair
  });

  it('serves a registered, staked, correctly signed request with the URL in a fresh synapse', async () => {
    const before = h.service.calls;
    const r = sign(keys.dave);
    const res = await h.send(r);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('bt_header_axon_status_code')).toBe('200');
    expect(res.headers.get('bt_header_axon_status_message')).toBe('Success');
    expect(Number(res.headers.get('bt_header_axon_process_time'))).toBeGreaterThanOrEqual(0);
    expect(res.headers.get('computed_body_hash')).toBe('a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a');
    const body = (await res.json()) as Record<string, unknown> & { axon: Record<string, unknown> };
    expect(body.compressed_kv_url).toBe(`http://127.0.0.1:9/${before + 1}.npy`);
    expect(body.name).toBe('TextCompressProtocol');
    // The original returned a fresh TextCompressProtocol: every other field at its default.
    expect(body.context).toBe('');
    expect(body.timeout).toBe(12);
    expect(body.axon.status_code).toBe(200);
    expect(body.axon.status_message).toBe('Success');
    expect(h.service.inputs.at(-1)).toEqual({ context: 'The quick brown fox. '.repeat(20), targetModel: TIER.targetModels[0] });
  });

  it('answers Metadata with the tier to any correctly signed caller, registered or not', async () => {
    const before = h.service.calls;
    const meta = sign(keys.charlie, { name: 'Metadata', fields: {}, timeout: 16 });
    const res = await h.send(meta);
    expect(res.status).toBe(200);
    const raw = await res.text();
    const body = JSON.parse(raw) as { metadata: unknown };
    expect(body.metadata).toEqual({ tier: 'research' });
    expect(res.headers.get('bt_header_axon_status_code')).toBe('200');
    // Echoed request synapse keeps the 19-digit nonce exact.
    const sent = meta.headers.bt_header_dendrite_nonce;
    expect(res.headers.get('bt_header_dendrite_nonce')).toBe(sent);
    expect(raw).toContain(`"nonce":${sent}`);
    const bad = sign(keys.charlie, { name: 'Metadata', fields: {}, axonHotkey: keys.otherMiner.address });
    await expectRejected(await h.send(bad), 401, /Signature mismatch/);
    expect(h.service.calls).toBe(before);
  });

  it('answers the /Synapse ping only when signed', async () => {
    expect((await h.send(sign(keys.charlie, { name: 'Synapse', fields: {} }))).status).toBe(200);
    const r = sign(keys.charlie, { name: 'Synapse', fields: {} });
    await expectRejected(await h.send(r, { headers: { bt_header_dendrite_uuid: 'other' } }), 401, /Signature mismatch/);
  });

  it('counts rejections by reason in Prometheus', async () => {
    const { registry } = await import('../../src/metrics.js');
    const text = await registry.metrics();
    for (const reason of ['bad_signature', 'stale_nonce', 'replayed_nonce', 'unregistered', 'stake_too_low', 'body_too_large', 'unknown_route', 'body_hash_mismatch']) {
      expect(text).toMatch(new RegExp(`condense_axon_requests_total\\{synapse="[A-Za-z]+",outcome="${reason}"\\} [1-9]`));
    }
    expect(text).toMatch(/condense_axon_requests_total\{synapse="TextCompressProtocol",outcome="served"\} [1-9]/);
  });
});
