import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import yargs from 'yargs';
import { signatureVerify } from '@polkadot/util-crypto';
import { encodeNpyHeader } from '@neural-condense/sdk';
import { Dendrite, runSelfTest, checkKvArtifact } from '../../src/miner/dendrite/index.js';
import { queryCommand, parseHostPort } from '../../src/cli/commands/query.js';
import { SN47_BODY_HASH } from '../helpers/dendrite-signer.js';
import { CountingService, devKeys, startAxon, TIER, type Harness, type Keys } from './axon-harness.js';

// Serves .npy files from memory on loopback: what a store would publish.
const files = new Map<string, Uint8Array>();
let fileServer: Server;
let fileBase: string;
let keys: Keys;
let h: Harness;
/** The file the counting service answers with next. */
let next = '/good.npy';

function npy(shape: number[], descr: '<f2' | '<f4' = '<f2', truncateBy = 0): Uint8Array {
  const header = encodeNpyHeader(descr, shape);
  const body = shape.reduce((a, b) => a * b, 1) * (descr === '<f2' ? 2 : 4) - truncateBy;
  const out = new Uint8Array(header.length + body);
  out.set(header);
  return out;
}

beforeAll(async () => {
  keys = await devKeys();
  fileServer = createServer((req, res) => {
    const data = files.get(req.url ?? '');
    if (!data) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': String(data.length), 'content-type': 'application/octet-stream' });
    res.end(req.method === 'HEAD' ? undefined : Buffer.from(data));
  });
  await new Promise<void>((r) => fileServer.listen(0, '127.0.0.1', r));
  fileBase = `http://127.0.0.1:${(fileServer.address() as AddressInfo).port}`;
  files.set('/good.npy', npy([2, 2, 1, 2, 200, 4]));
  files.set('/short.npy', npy([2, 2, 1, 2, 100, 4]));
  files.set('/truncated.npy', npy([2, 2, 1, 2, 200, 4], '<f2', 10));
  files.set('/flat.npy', npy([2, 2, 2, 200, 4]));
  const service = new CountingService();
  service.behaviour = async (input) => ({ target_model: input.targetModel, compressed_kv_url: `${fileBase}${next}`, timings: {} });
  h = await startAxon(keys, {}, service);
});
afterAll(async () => {
  await h.close();
  await new Promise<void>((r) => fileServer.close(() => r()));
});

const target = () => ({ host: '127.0.0.1', port: Number(new URL(h.url).port), hotkey: keys.miner.address });
const setNext = (p: string) => void (next = p);

describe('Dendrite', () => {
  it('signs {nonce}.{hotkey}.{axon hotkey}.{uuid}.{body hash} like the Python dendrite, with every field in the body', async () => {
    let captured: { url: string; headers: Record<string, string>; body: string } | undefined;
    const fakeFetch = (async (url: string, init: RequestInit) => {
      captured = { url, headers: init.headers as Record<string, string>, body: init.body as string };
      return new Response('{"message":"nope"}', { status: 403, headers: { 'content-type': 'application/json', bt_header_axon_status_code: '403', bt_header_axon_status_message: 'nope' } });
    }) as unknown as typeof fetch;
    const d = new Dendrite(keys.alice, { fetch: fakeFetch });
    const res = await d.call({ host: '10.0.0.1', port: 8091, hotkey: keys.miner.address }, 'TextCompressProtocol', { context: 'c', target_model: 'm' }, 32);
    expect(res.statusCode).toBe(403);
    const hd = captured!.headers;
    expect(captured!.url).toBe('http://10.0.0.1:8091/TextCompressProtocol');
    expect(hd.computed_body_hash).toBe(SN47_BODY_HASH);
    expect(hd.timeout).toBe('32.0');
    expect(hd.bt_header_dendrite_nonce).toMatch(/^\d{19}$/);
    const message = `${hd.bt_header_dendrite_nonce}.${keys.alice.address}.${keys.miner.address}.${hd.bt_header_dendrite_uuid}.${SN47_BODY_HASH}`;
    expect(signatureVerify(new TextEncoder().encode(message), hd.bt_header_dendrite_signature, keys.alice.address).isValid).toBe(true);
    const body = JSON.parse(captured!.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(
      ['axon', 'compressed_context', 'compressed_kv_url', 'computed_body_hash', 'context', 'dendrite', 'header_size', 'name', 'target_model', 'task_data', 'tier', 'timeout', 'total_size', 'util_data'].sort(),
    );
    // The 19-digit nonce goes out as an exact JSON integer.
    expect(captured!.body).toContain(`"nonce":${hd.bt_header_dendrite_nonce}`);
  });
});

describe('condense query self-test', () => {
  it('passes a served cache that a validator would load', async () => {
    setNext('/good.npy');
    const result = await runSelfTest({ dendrite: new Dendrite(keys.alice), target: target(), tier: TIER, context: 'some context', timeoutS: 10 });
    expect(result.lines.join('\n')).toContain('npy: dtype <f2, shape (2, 2, 1, 2, 200, 4), 200 condensed tokens');
    expect(result.ok).toBe(true);
    expect(h.service.inputs.at(-1)).toEqual({ context: 'some context', targetModel: TIER.targetModels[0] });
  });

  it.each([
    ['/short.npy', /100 condensed tokens is outside the tier's 128\.\.1024/],
    ['/truncated.npy', /file has \d+ bytes; header promises/],
    ['/flat.npy', /is not \(layers, 2, 1, kv_heads, tokens, head_dim\)/],
    ['/missing.npy', /HEAD .* answered 404/],
  ])('fails %s with the validator’s reason', async (path, reason) => {
    setNext(path);
    const result = await runSelfTest({ dendrite: new Dendrite(keys.alice), target: target(), tier: TIER, context: 'c', timeoutS: 10 });
    expect(result.ok).toBe(false);
    expect(result.lines.join('\n')).toMatch(reason);
  });

  it('refuses a URL with anything after .npy', async () => {
    const report = await checkKvArtifact(`${fileBase}/good.npy?sig=1`, TIER);
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatch(/does not match/);
  });

  it('fails when the miner refuses the caller', async () => {
    const result = await runSelfTest({ dendrite: new Dendrite(keys.charlie), target: target(), tier: TIER, context: 'c', timeoutS: 10 });
    expect(result.ok).toBe(false);
    expect(result.lines[0]).toMatch(/status 403 "Forbidden\. Key is blacklisted: Hotkey is not registered/);
  });

  it('checks Metadata for the tier', async () => {
    const result = await runSelfTest({ dendrite: new Dendrite(keys.charlie), target: target(), tier: TIER, metadata: true, timeoutS: 10 });
    expect(result.lines).toContain('tier: research');
    expect(result.ok).toBe(true);
    const wrong = await runSelfTest({ dendrite: new Dendrite(keys.charlie), target: target(), tier: { ...TIER, name: 'universal' }, metadata: true, timeoutS: 10 });
    expect(wrong.ok).toBe(false);
  });

  it('runs as `condense query` with a dev key and a context file, exit code by verdict', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nc-query-'));
    const ctxFile = join(dir, 'ctx.txt');
    await writeFile(ctxFile, 'context from a file');
    const out: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
    const exitCode = process.exitCode;
    try {
      const args = ['query', '--axon', `127.0.0.1:${target().port}`, '--axon-hotkey', keys.miner.address, '--dev-uri', '//Alice', '--context-file', ctxFile, '--log-level', 'silent'];
      setNext('/good.npy');
      await yargs().command(queryCommand).parseAsync(args);
      expect(out.join('')).toContain(`signed by ${keys.alice.address}`);
      expect(out.join('')).toMatch(/OK: a validator would load this cache/);
      expect(process.exitCode ?? 0).toBe(0);
      expect(h.service.inputs.at(-1)?.context).toBe('context from a file');
      setNext('/short.npy');
      await yargs().command(queryCommand).parseAsync(args);
      expect(process.exitCode).toBe(1);
    } finally {
      write.mockRestore();
      process.exitCode = exitCode;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('parses host:port, IPv6 included', () => {
    expect(parseHostPort('1.2.3.4:8091')).toEqual({ host: '1.2.3.4', port: 8091 });
    expect(parseHostPort('[::1]:9000')).toEqual({ host: '::1', port: 9000 });
    expect(() => parseHostPort('nope')).toThrow(/host:port/);
  });
});
