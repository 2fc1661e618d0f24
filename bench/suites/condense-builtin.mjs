// ms per POST /condense on the README's main job: kvpress on the built-in model, local
// store, research tier, over loopback, for a 10,000-character context (~2.5k tokens).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, startBackend } from '../../core/dist/index.js';
import { silentLogger } from '../../sdk/dist/index.js';

const PRESSES = ['knorm', 'streaming-llm', 'keydiff', 'tova', 'snapkv', 'expected-attention'];
const RUNS = 5;

function context(chars, seed) {
  const words = ['the', 'validator', 'asked', 'about', 'a', 'long', 'conversation', 'where', 'Alice', 'met', 'Bob', 'in', 'Paris', 'on', 'Tuesday', 'and', 'they', 'talked', 'of', 'compression', 'caches', 'tokens', 'models', '42', 'numbers.'];
  let s = '';
  let x = seed;
  while (s.length < chars) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    s += `${words[x % words.length]} `;
  }
  return s.slice(0, chars);
}

export default async function condenseBuiltin({ log }) {
  const cacheDir = await mkdtemp(join(tmpdir(), 'bench-condense-'));
  const rows = [];
  try {
    for (const press of PRESSES) {
      log(press);
      const loaded = await loadConfig({
        overrides: { cacheDir, 'backend.host': '127.0.0.1', 'backend.port': 0, 'compressor.options': { press }, 'artifacts.gcIntervalSeconds': 0 },
        env: {},
      });
      const backend = await startBackend(loaded, silentLogger);
      try {
        const post = async (seed) => {
          const t0 = performance.now();
          const res = await fetch(`${backend.url}/condense`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ context: context(10_000, seed), target_model: 'mistralai/Mistral-7B-Instruct-v0.2' }),
          });
          const body = await res.json();
          if (res.status !== 200) throw new Error(`${press}: ${res.status} ${JSON.stringify(body)}`);
          return { ms: performance.now() - t0, body };
        };
        await post(1); // warm-up: graph build / session open
        const runs = [];
        for (let i = 0; i < RUNS; i++) runs.push(await post(i + 2));
        runs.sort((a, b) => a.ms - b.ms);
        const mid = runs[Math.floor(runs.length / 2)];
        const t = mid.body.timings;
        rows.push([press, mid.ms.toFixed(0), (t.prefill_ms ?? 0).toFixed(0), (t.upload_ms ?? 0).toFixed(0), mid.body.compressed_tokens, (mid.body.bytes / 2 ** 20).toFixed(2)]);
      } finally {
        await backend.close();
      }
    }
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
  return {
    title: 'POST /condense on the built-in model (CPU), 10,000-character context',
    columns: ['press', 'ms per request (median of 5)', 'prefill ms', 'encode + store ms', 'condensed tokens', '.npy MiB'],
    rows,
    notes: [
      'The main job of the README: kvpress (ratio 0.75) on builtin:tiny-mistral (4 layers, hidden 256, 8/2 heads, head_dim 32, random weights), local store, float16 file.',
      'Client and server share the same 2 cores; the first request (graph build, session open) is excluded.',
      'Reproduce: `npm run bench -- condense-builtin`.',
    ],
  };
}
