import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_MODELS, ensureBuiltinModel, hubCacheDir, loadCheckpoint, resolveModel, loadTokenizer, tokenizeContext } from '@neural-condense/sdk/llm';
import { useTempDir } from '../helpers/temp-dir.js';

const tmp = useTempDir('resolve');

describe('built-in model', () => {
  it('is generated once, atomically, as a Mistral checkpoint with the Mistral tokenizer', async () => {
    const cacheDir = tmp.path;
    // Two concurrent callers: one wins the rename, the other reuses its directory.
    const [a, b] = await Promise.all([ensureBuiltinModel(cacheDir), ensureBuiltinModel(cacheDir)]);
    expect(a).toBe(b);
    expect(a).toBe(join(cacheDir, 'builtin', `tiny-mistral-r${BUILTIN_MODELS['tiny-mistral'].revision}`));
    expect((await readdir(join(cacheDir, 'builtin'))).filter((f) => f.startsWith('.tmp'))).toEqual([]);
    const ckpt = await loadCheckpoint(a);
    expect(ckpt.config).toMatchObject({ architecture: 'mistral', numLayers: 4, hiddenSize: 256, numHeads: 8, numKvHeads: 2, headDim: 32, vocabSize: 32000, slidingWindow: null });
    const tok = await loadTokenizer(a);
    expect(tokenizeContext(tok, 'Hello world', 'mistral-instruct')).toEqual([1, 28705, 733, 16289, 28793, 22557, 1526]);
    // A 10,000-character context lands in the range the README's main job expects.
    const words = 'the quick brown fox jumps over the lazy dog while validators ask questions about context '.repeat(120).slice(0, 10_000);
    const n = tokenizeContext(tok, words, 'mistral-instruct').length;
    expect(n).toBeGreaterThan(1500);
    expect(n).toBeLessThan(3500);
    await expect(ensureBuiltinModel(cacheDir, 'huge')).rejects.toThrow(/unknown built-in model 'huge'; available: builtin:tiny-mistral/);
  });
});

describe('resolveModel', () => {
  it('resolves builtin:, local directories and pulled Hub repos', async () => {
    const cacheDir = tmp.path;
    expect(await resolveModel('builtin:tiny-mistral', { cacheDir })).toBe(await ensureBuiltinModel(cacheDir));
    const local = join(cacheDir, 'my-model');
    await mkdir(local, { recursive: true });
    expect(await resolveModel(local, { cacheDir })).toBe(local);

    const hubDir = hubCacheDir(cacheDir, {});
    const commit = 'a'.repeat(40);
    const snapshot = join(hubDir, 'models--acme--tiny', 'snapshots', commit);
    await mkdir(snapshot, { recursive: true });
    await mkdir(join(hubDir, 'models--acme--tiny', 'refs'), { recursive: true });
    await writeFile(join(hubDir, 'models--acme--tiny', 'refs', 'main'), commit);
    expect(await resolveModel('acme/tiny', { cacheDir, hubDir })).toBe(snapshot);
    expect(await resolveModel('acme/tiny', { cacheDir, hubDir, revision: commit })).toBe(snapshot);
  });

  it('tells the user how to get a missing model', async () => {
    const cacheDir = tmp.path;
    await expect(resolveModel('mistralai/Mistral-7B-Instruct-v0.2', { cacheDir })).rejects.toThrow(/not in the model cache; download it first with: condense models pull mistralai\/Mistral-7B-Instruct-v0.2/);
    await expect(resolveModel('./nope', { cacheDir })).rejects.toThrow(/model directory .*nope does not exist/);
    await expect(resolveModel('not a model', { cacheDir })).rejects.toThrow(/neither builtin:<name>, an existing directory, nor a Hugging Face repo id/);
  });

  it('honours HF_HUB_CACHE and HF_HOME', () => {
    expect(hubCacheDir('/c', { HF_HUB_CACHE: '/x' })).toBe('/x');
    expect(hubCacheDir('/c', { HF_HOME: '/h' })).toBe('/h/hub');
    expect(hubCacheDir('/c', {})).toBe('/c/hub');
  });
});
