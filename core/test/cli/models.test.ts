import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import yargs from 'yargs';
import { TEST_MODELS, writeTestModel } from '@neural-condense/sdk/llm';
// The SDK's loopback Hub stand-in; tests never reach the internet.
import { startHubStandin, type HubStandin } from '../../../sdk/test/helpers/hub-standin.js';
import { modelsCommand } from '../../src/cli/commands/models.js';

const COMMIT = 'feedface'.repeat(5);
let hub: HubStandin;
let work: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  hub = await startHubStandin();
  work = await mkdtemp(join(tmpdir(), 'models-cli-'));
  await writeTestModel(join(work, 'src'), TEST_MODELS.llamaTied);
  const files = new Map<string, Uint8Array>();
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json']) files.set(f, await readFile(join(work, 'src', f)));
  hub.repos.set('acme/tiny', { commit: COMMIT, files });
  process.env.HF_ENDPOINT = hub.url;
  delete process.env.HF_HUB_CACHE;
  delete process.env.HF_HOME;
  delete process.env.HF_TOKEN;
  process.env.LOG_LEVEL = 'silent';
});
afterAll(async () => {
  process.env = savedEnv;
  await hub.close();
  await rm(work, { recursive: true, force: true });
});

/** Runs `condense <args>` in-process and returns what it wrote to stdout. */
async function condense(args: string[]): Promise<string> {
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  try {
    await yargs(args).command(modelsCommand).strict().fail((msg, err) => {
      throw err ?? new Error(msg);
    }).parseAsync();
  } finally {
    spy.mockRestore();
  }
  return out.join('');
}

describe('condense models', () => {
  it('pulls a repo into <cache-dir>/hub and lists it', async () => {
    const cacheDir = join(work, 'cache');
    const printed = await condense(['models', 'pull', 'acme/tiny', '--cache-dir', cacheDir]);
    const snapshot = join(cacheDir, 'hub', 'models--acme--tiny', 'snapshots', COMMIT);
    expect(printed.trim()).toBe(snapshot);
    expect(JSON.parse(await readFile(join(snapshot, 'config.json'), 'utf8')).architectures).toEqual(['LlamaForCausalLM']);

    const listed = await condense(['models', 'list', '--cache-dir', cacheDir]);
    expect(listed).toMatch(/^builtin:tiny-mistral\s+-\s+generated on first use$/m);
    expect(listed).toMatch(new RegExp(`^acme/tiny\\s+[\\d.]+ MiB\\s+main@${COMMIT.slice(0, 8)}$`, 'm'));
    const json = JSON.parse(await condense(['models', 'list', '--cache-dir', cacheDir, '--json'])) as { spec: string; refs: Record<string, string> }[];
    expect(json.find((m) => m.spec === 'acme/tiny')?.refs).toEqual({ main: COMMIT });
  });
});
