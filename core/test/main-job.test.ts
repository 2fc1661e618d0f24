// The README's main job: `condense backend` with NO config — kvpress (Knorm 0.75) on the
// built-in model, the local store, the research tier — in a real process. A 10,000-
// character context returns a URL whose file NumPy loads with research-tier token bounds.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '@neural-condense/sdk';
import { makeContext } from './helpers/backend.js';
import { numpyLoad } from './helpers/python.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'core/dist/cli/main.js');

describe('main job: condense backend on its embedded defaults', () => {
  let child: ChildProcess;
  let url: string;
  let dir: string;
  let stderr = '';

  beforeAll(async () => {
    if (!existsSync(cli)) await run('npx', ['tsc', '-b'], { cwd: root });
    dir = await mkdtemp(join(tmpdir(), 'nc-main-'));
    // Only the port differs from the README's command (a free one), and the cache dir is private.
    child = spawn(process.execPath, [cli, 'backend', '--host', '127.0.0.1', '--port', '0'], {
      cwd: root,
      env: { ...process.env, CONDENSE_CACHE_DIR: join(dir, 'cache'), LOG_LEVEL: 'info' },
    });
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`backend exited with ${code}: ${stderr.slice(-2000)}`)));
    });
  }, 300_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves kvpress on the built-in model and says so', async () => {
    const health = (await (await fetch(`${url}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', tier: 'research', store: 'local' });
    expect(String(health.compressor)).toMatch(/kvpress/i);
    expect(health.target_models).toContain('mistralai/Mistral-7B-Instruct-v0.2');
    expect(stderr).toMatch(/random weights/i); // the built-in model warns that it is for pipeline testing only
  });

  it('answers a 10,000-character context with a .npy NumPy loads as (layers, 2, 1, kv_heads, tokens, head_dim) in research bounds', async () => {
    const res = await fetch(`${url}/condense`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ context: makeContext(10_000, 11), target_model: 'mistralai/Mistral-7B-Instruct-v0.2' }),
    });
    const body = (await res.json()) as { compressed_kv_url: string; compressed_tokens: number; bytes: number; timings: Record<string, number> };
    expect(res.status, JSON.stringify(body)).toBe(200);
    // Stage timings in one style: core's and the compressor's, all `<stage>_ms`.
    expect(Object.keys(body.timings).every((k) => /^[a-z]+(_[a-z]+)*_ms$/.test(k)), Object.keys(body.timings).join()).toBe(true);
    expect(body.timings).toMatchObject({ prefill_ms: expect.any(Number), queue_ms: expect.any(Number), upload_ms: expect.any(Number), total_ms: expect.any(Number) });
    expect(body.compressed_kv_url).toMatch(/^https?:\/\/.*\.npy$/);
    const bytes = new Uint8Array(await (await fetch(body.compressed_kv_url)).arrayBuffer());
    expect(bytes.length).toBe(body.bytes);
    const file = join(dir, 'answer.npy');
    await writeFile(file, bytes);
    const loaded = await numpyLoad(file, [[0, 0, 0, 0, 0, 0]]);
    expect(loaded.shape).toHaveLength(6);
    const [layers, two, batch, kvHeads, tokens, headDim] = loaded.shape;
    expect([two, batch]).toEqual([2, 1]);
    expect(layers).toBeGreaterThan(0);
    expect(kvHeads).toBeGreaterThan(0);
    expect(headDim % 16).toBe(0);
    expect(tokens).toBe(body.compressed_tokens);
    expect(tokens).toBeGreaterThanOrEqual(128);
    expect(tokens).toBeLessThanOrEqual(1024);
    const decoded = decodeNpy(bytes);
    expect(Number.isFinite(loaded.sum)).toBe(true);
    expect(loaded.sum).toBeCloseTo(decoded.data.reduce((a, b) => a + b, 0), 0);
    // Real model output, not zeros.
    expect(decoded.data.some((v) => v !== 0)).toBe(true);
  }, 120_000);
});
