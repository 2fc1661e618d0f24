// The built `condense` CLI in real processes: help, config errors, one-shot compress,
// and the backend answering then shutting down on SIGTERM.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { numpyLoad } from './helpers/python.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'core/dist/cli/main.js');
const plugin = fileURLToPath(new URL('./fixtures/plugins/tiny-compressor.mjs', import.meta.url));

async function condense(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, LOG_LEVEL: 'silent' } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

const made: string[] = [];
afterAll(() => Promise.all(made.map((d) => rm(d, { recursive: true, force: true }))));

async function tempConfig(text: string | ((dir: string) => string)): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'nc-cli-'));
  made.push(dir);
  const file = join(dir, 'miner.yaml');
  await writeFile(file, typeof text === 'string' ? text : text(dir));
  return { dir, file };
}

beforeAll(async () => {
  // `npm test` builds first; a developer running vitest alone gets a build here.
  if (!existsSync(cli)) await run('npx', ['tsc', '-b', 'core'], { cwd: root });
}, 180_000);

describe('condense CLI', () => {
  it('lists its commands with --help, and each command has --help', async () => {
    const top = await condense(['--help']);
    expect(top.code).toBe(0);
    for (const c of ['backend', 'compress', 'store']) expect(top.stdout).toContain(`condense ${c}`);
    const backend = await condense(['backend', '--help']);
    expect(backend.stdout).toMatch(/--algorithm/);
    expect(backend.stdout).toMatch(/--port/);
  });

  it('refuses a misspelt or foreign flag instead of ignoring it', async () => {
    const res = await condense(['backend', '--prot', '8081']);
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe('condense: unknown option --prot; see --help');
    const foreign = await condense(['compress', '--axon.port', '1']);
    expect(foreign.stderr).toMatch(/unknown option --axon\.port/);
  });

  it('stops on a bad config with one line naming the file and the path, exit code 2', async () => {
    const { file } = await tempConfig('backend:\n  port: 99999\n');
    const res = await condense(['backend', '--config', file]);
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toMatch(new RegExp(`^condense: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: backend\\.port: `));
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const unknownPlugin = await condense(['backend', '--algorithm', '@acme/nope', '--port', '0']);
    expect(unknownPlugin.code).toBe(2);
    expect(unknownPlugin.stderr).toMatch(/plugin '@acme\/nope': cannot be loaded \(is it installed\?/);
  });

  it('compress --out writes a .npy that np.load reads', async () => {
    const { dir, file } = await tempConfig((d) => `compressor:\n  plugin: ${plugin}\n  options: { tokens: 200 }\ncacheDir: ${join(d, 'cache')}\n`);
    const out = join(dir, 'cache.npy');
    const res = await condense(['compress', '--config', file, '--out', out], 'Alice met Bob in Paris.');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ compressed_tokens: 200, compressed_kv_url: `file://${out}` });
    const loaded = await numpyLoad(out, [[0, 1, 0, 0, 0, 0]]);
    expect(loaded.shape).toEqual([1, 2, 1, 1, 200, 16]);
    expect(loaded.elements[0]).toBe((('A'.charCodeAt(0) + 1) % 32) / 4);
  });

  it('store gc deletes artifacts older than the TTL and keeps fresh ones', async () => {
    const { dir, file } = await tempConfig((d) => `cacheDir: ${join(d, 'cache')}\nartifacts: { ttlSeconds: 3600 }\n`);
    const artifacts = join(dir, 'cache', 'artifacts');
    await mkdir(artifacts, { recursive: true });
    const old = join(artifacts, `${'a'.repeat(32)}.npy`);
    const fresh = join(artifacts, `${'b'.repeat(32)}.npy`);
    await writeFile(old, 'x');
    await writeFile(fresh, 'y');
    const twoHoursAgo = new Date(Date.now() - 7_200_000);
    await utimes(old, twoHoursAgo, twoHoursAgo);
    const res = await condense(['store', 'gc', '--config', file]);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ store: 'local', scanned: 2, deleted: 1, failed: 0 });
    expect(existsSync(old)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
  });

  it('backend serves /condense and exits 0 on SIGTERM', async () => {
    const { file } = await tempConfig((d) => `compressor:\n  plugin: ${plugin}\ncacheDir: ${join(d, 'cache')}\nbackend: { host: 127.0.0.1, port: 0 }\n`);
    const child = spawn(process.execPath, [cli, 'backend', '--config', file, '--log-level', 'silent'], { cwd: root });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`backend exited with ${code}`)));
    });
    const res = await fetch(`${url}/condense`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ context: 'hello world', target_model: 'mistralai/Mistral-7B-Instruct-v0.2' }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { compressed_kv_url: string };
    expect((await fetch(body.compressed_kv_url)).status).toBe(200);
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
