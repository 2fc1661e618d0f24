import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, type ProgressReporter } from '@neural-condense/sdk';
import { listCachedModels, loadCheckpoint, pullModel, resolveModel, TEST_MODELS, writeTestModel } from '@neural-condense/sdk/llm';
import { startHubStandin, type HubStandin } from '../helpers/hub-standin.js';

// `condense models pull` against a loopback stand-in of the Hub: never the internet.

const COMMIT = '0123456789abcdef0123456789abcdef01234567';
let hub: HubStandin;
let work: string;
let modelFiles: Map<string, Uint8Array>;

beforeAll(async () => {
  hub = await startHubStandin();
  work = await mkdtemp(join(tmpdir(), 'pull-'));
  const src = join(work, 'src');
  await writeTestModel(src, { ...TEST_MODELS.llamaTied, shards: 2 });
  modelFiles = new Map();
  for (const f of await readdir(src)) modelFiles.set(f, await readFile(join(src, f)));
  // Files a checkpoint does not need must not be downloaded.
  modelFiles.set('README.md', new TextEncoder().encode('# tiny'));
  modelFiles.set('pytorch_model.bin', new Uint8Array(64));
  hub.repos.set('acme/tiny', { commit: COMMIT, files: modelFiles });
  hub.repos.set('acme/private', { commit: COMMIT, files: modelFiles, token: 'hf_secret' });
});
afterAll(async () => {
  await hub.close();
  await rm(work, { recursive: true, force: true });
});
afterEach(() => {
  hub.requests.length = 0;
});

function recordingProgress(): ProgressReporter & { total: number; advanced: number; done: boolean } {
  const r = {
    total: 0,
    advanced: 0,
    done: false,
    start(_label: string, total: number) {
      r.total = total;
      return { advance: (by: number) => void (r.advanced += by), done: () => void (r.done = true) };
    },
  };
  return r;
}

const dataRequests = (file: string) => hub.requests.filter((r) => r.path.endsWith(`/resolve/${COMMIT}/${file}`) && r.range !== 'bytes=0-0');

describe('pullModel', () => {
  it('downloads only checkpoint files into the Hub cache layout, with progress', async () => {
    const cacheDir = join(work, 'c1');
    const progress = recordingProgress();
    const result = await pullModel('acme/tiny', { cacheDir, hubUrl: hub.url, progress, token: undefined });
    const expected = [...modelFiles.keys()].filter((f) => f !== 'README.md' && f !== 'pytorch_model.bin').sort();
    expect(result.files.map((f) => f.path).sort()).toEqual(expected);
    expect(result.commit).toBe(COMMIT);
    const total = expected.reduce((s, f) => s + modelFiles.get(f)!.byteLength, 0);
    const repoDir = join(cacheDir, 'hub', 'models--acme--tiny');
    expect(result.dir).toBe(join(repoDir, 'snapshots', COMMIT));
    expect((await readFile(join(repoDir, 'refs', 'main'), 'utf8')).trim()).toBe(COMMIT);
    // Snapshot entries are relative links to content-addressed blobs (sha256 for LFS files).
    const shard = 'model-00001-of-00002.safetensors';
    const sha = createHash('sha256').update(modelFiles.get(shard)!).digest('hex');
    expect(await readlink(join(result.dir, shard))).toBe(join('..', '..', 'blobs', sha));
    expect(Buffer.compare(await readFile(join(result.dir, shard)), modelFiles.get(shard)!)).toBe(0);
    expect(progress).toMatchObject({ total, advanced: total, done: true });
    // The snapshot is a checkpoint, and the resolver finds it by repo id.
    expect((await loadCheckpoint(result.dir)).config.architecture).toBe('llama');
    expect(await resolveModel('acme/tiny', { cacheDir })).toBe(result.dir);
    const listed = await listCachedModels(cacheDir, join(cacheDir, 'hub'));
    expect(listed.map((m) => [m.spec, m.kind, m.refs])).toEqual([
      ['builtin:tiny-mistral', 'builtin', {}],
      ['acme/tiny', 'hub', { main: COMMIT }],
    ]);
    expect(listed[1].bytes).toBe(total);

    // A second pull downloads nothing.
    hub.requests.length = 0;
    const again = await pullModel('acme/tiny', { cacheDir, hubUrl: hub.url });
    expect(again.files.every((f) => !f.downloaded)).toBe(true);
    expect(hub.requests.filter((r) => r.path.includes('/resolve/'))).toEqual([]);
  });

  it('resumes an interrupted transfer with a Range request on the next pull', async () => {
    const cacheDir = join(work, 'c2');
    const shard = 'model-00002-of-00002.safetensors';
    const bytes = modelFiles.get(shard)!;
    hub.cutAfter(shard, 100_000);
    await expect(pullModel('acme/tiny', { cacheDir, hubUrl: hub.url, retries: 0 })).rejects.toThrow(/downloading model-00002-of-00002.safetensors of acme\/tiny failed .*Run the pull again to resume/);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const partial = join(cacheDir, 'hub', 'models--acme--tiny', 'blobs', `${sha}.incomplete`);
    const kept = (await stat(partial)).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(100_000);
    // Nothing resolvable yet: refs/main is written only when every file is in place.
    await expect(resolveModel('acme/tiny', { cacheDir })).rejects.toThrow(/condense models pull acme\/tiny/);

    hub.requests.length = 0;
    const result = await pullModel('acme/tiny', { cacheDir, hubUrl: hub.url });
    expect(dataRequests(shard).map((r) => r.range)).toEqual([`bytes=${kept}-${bytes.byteLength - 1}`]);
    expect(Buffer.compare(await readFile(join(result.dir, shard)), bytes)).toBe(0);
    await expect(stat(partial)).rejects.toThrow();
  });

  it('resumes within one call when a transfer breaks', async () => {
    const cacheDir = join(work, 'c3');
    hub.cutAfter('tokenizer.json', 50_000, 2);
    const progress = recordingProgress();
    const result = await pullModel('acme/tiny', { cacheDir, hubUrl: hub.url, progress });
    const ranges = dataRequests('tokenizer.json').map((r) => r.range);
    expect(ranges).toHaveLength(3);
    expect(ranges[0]).toBeUndefined();
    expect(ranges[1]).toMatch(/^bytes=\d+-\d+$/);
    expect(Buffer.compare(await readFile(join(result.dir, 'tokenizer.json')), modelFiles.get('tokenizer.json')!)).toBe(0);
    expect(progress.advanced).toBe(progress.total);
  });

  it('explains 401 (HF_TOKEN) and 404, and sends the token when given', async () => {
    const cacheDir = join(work, 'c4');
    const denied = await pullModel('acme/private', { cacheDir, hubUrl: hub.url, token: undefined }).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(ConfigError);
    expect((denied as Error).message).toMatch(/HF_TOKEN: acme\/private needs authentication \(HTTP 401\).*Set HF_TOKEN/);
    await expect(pullModel('acme/private', { cacheDir, hubUrl: hub.url, token: 'hf_wrong' })).rejects.toThrow(/refused the token/);
    await expect(pullModel('acme/missing', { cacheDir, hubUrl: hub.url })).rejects.toThrow(/acme\/missing@main was not found on the Hub \(HTTP 404\)/);
    await expect(pullModel('acme/tiny', { cacheDir, hubUrl: hub.url, revision: 'v9' })).rejects.toThrow(/acme\/tiny@v9 was not found/);
    await expect(pullModel('acme/tiny', { cacheDir, hubUrl: hub.url, token: 'secret' })).rejects.toThrow(/starts with "hf_"/);

    hub.requests.length = 0;
    const ok = await pullModel('acme/private', { cacheDir, hubUrl: hub.url, token: 'hf_secret' });
    expect(ok.files.length).toBeGreaterThan(3);
    expect(hub.requests.every((r) => r.authorization === 'Bearer hf_secret')).toBe(true);
  });
});
