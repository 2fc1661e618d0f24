import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { CondenseError } from '../../errors.js';
import { fromHalf, toHalf } from '../../float16.js';
import { GraphBuilder } from './graph-builder.js';

// Which execution provider runs which op is checked, not assumed: each op a graph relies on
// is run as a one-node model on the provider, and the result is cached for the process.

/** Execution providers a prefill engine can be configured with. */
export type ExecutionProvider = 'cpu' | 'cuda' | 'webgpu';

/** All providers, in the order `doctor` reports them. */
export const EXECUTION_PROVIDERS: readonly ExecutionProvider[] = ['cpu', 'cuda', 'webgpu'];

/** A configured provider could not be started; the message says what is missing and where to read more. */
export class ExecutionProviderError extends CondenseError {
  constructor(readonly provider: ExecutionProvider, message: string, cause?: unknown) {
    super('config_error', `execution provider '${provider}': ${message}`, { cause });
  }
}

/** Whether a provider can create a session here, and why not. */
export interface ProviderStatus {
  provider: ExecutionProvider;
  available: boolean;
  /** Short reason when unavailable, and what to do about it. */
  reason?: string;
}

/** onnxruntime session options that pin the session to `provider` (no silent CPU fall-back for GPU providers). */
export function sessionOptionsFor(provider: ExecutionProvider): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  };
}

/** Version of the onnxruntime-node binding in use. */
export function onnxruntimeVersion(): string {
  return ort.env.versions.node ?? ort.env.versions.common ?? 'unknown';
}

const statusCache = new Map<ExecutionProvider, Promise<ProviderStatus>>();

/** Checks that `provider` can create and run a session (a one-node Relu), cached per process. */
export function probeProvider(provider: ExecutionProvider): Promise<ProviderStatus> {
  let p = statusCache.get(provider);
  if (!p) {
    p = (async (): Promise<ProviderStatus> => {
      const pre = missingPrerequisite(provider);
      if (pre) return { provider, available: false, reason: pre };
      const g = new GraphBuilder('probe');
      g.output(g.op('Relu', [g.input('x', 'float32', [2])]), 'y', 'float32', [2]);
      try {
        const s = await ort.InferenceSession.create(g.toBytes({ '': 18 }), sessionOptionsFor(provider));
        await s.run({ x: new ort.Tensor('float32', Float32Array.of(-1, 2), [2]) });
        await s.release();
        return { provider, available: true };
      } catch (e) {
        return { provider, available: false, reason: explainFailure(provider, e) };
      }
    })();
    statusCache.set(provider, p);
  }
  return p;
}

/** Throws ExecutionProviderError when `provider` is not usable here. */
export async function requireProvider(provider: ExecutionProvider): Promise<void> {
  const s = await probeProvider(provider);
  if (!s.available) throw new ExecutionProviderError(provider, s.reason ?? 'unavailable');
}

function bindingDir(): string | null {
  try {
    const require = createRequire(import.meta.url);
    const pkg = dirname(require.resolve('onnxruntime-node/package.json'));
    return join(pkg, 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return null;
  }
}

function missingPrerequisite(provider: ExecutionProvider): string | null {
  if (provider !== 'cuda') return null;
  const dir = bindingDir();
  if (!dir || process.platform !== 'linux') return null;
  const missing = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'].filter((f) => !existsSync(join(dir, f)));
  if (missing.length === 0) return null;
  return `${missing.join(' and ')} not found in ${dir}: onnxruntime-node's CUDA provider is not installed (our .npmrc skips its download). Install it as docs/gpu.md describes, then run \`condense doctor\``;
}

function explainFailure(provider: ExecutionProvider, e: unknown): string {
  const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 400);
  if (provider === 'webgpu') {
    if (/vulkan/i.test(msg) || /adapter/i.test(msg)) {
      return `no WebGPU adapter (${msg}). WebGPU on Linux needs a Vulkan driver (libvulkan.so.1 and a GPU ICD); see docs/gpu.md`;
    }
  }
  if (provider === 'cuda') return `${msg}. Check CUDA 12 / cuDNN 9 libraries are on the loader path; see docs/gpu.md`;
  return msg;
}

/** One op smoke test: the op, its element type, and whether it ran with the expected result. */
export interface OpSmokeResult {
  op: string;
  dtype: 'float32' | 'float16';
  provider: ExecutionProvider;
  ok: boolean;
  error?: string;
}

interface SmokeCase {
  op: string;
  /** Builds the one-node graph; returns feeds and a check of the output. */
  build(g: GraphBuilder, dt: 'float32' | 'float16'): { feeds: Record<string, ort.Tensor>; check(y: number[]): boolean };
}

const near = (a: number[], b: number[], tol: number) => a.length === b.length && a.every((x, i) => Math.abs(x - b[i]) <= tol);

function floatTensor(dt: 'float32' | 'float16', values: number[], dims: number[]): ort.Tensor {
  if (dt === 'float32') return new ort.Tensor('float32', Float32Array.from(values), dims);
  return new ort.Tensor('float16', Uint16Array.from(values.map(toHalf)), dims);
}

// The ops the decoder graph uses whose kernels differ by provider and dtype (shape ops
// such as Reshape, Shape, Gather on int64 run on every provider or fall back by design).
const SMOKE_CASES: SmokeCase[] = [
  {
    op: 'Gemm',
    build(g, dt) {
      const x = g.input('x', dt, [2, 2]);
      const w = g.input('w', dt, [2, 2]);
      g.output(g.op('Gemm', [x, w], { transB: 1 }), 'y', dt, [2, 2]);
      return { feeds: { x: floatTensor(dt, [1, 2, 3, 4], [2, 2]), w: floatTensor(dt, [1, 0, 1, 1], [2, 2]) }, check: (y) => near(y, [1, 3, 3, 7], 1e-3) };
    },
  },
  {
    op: 'MatMul',
    build(g, dt) {
      const a = g.input('a', dt, [2, 1, 2]);
      const b = g.input('b', dt, [1, 2, 1]);
      g.output(g.op('MatMul', [a, b]), 'y', dt, [2, 1, 1]);
      return { feeds: { a: floatTensor(dt, [1, 2, 3, 4], [2, 1, 2]), b: floatTensor(dt, [1, 0.5], [1, 2, 1]) }, check: (y) => near(y, [2, 5], 1e-3) };
    },
  },
  {
    op: 'Softmax',
    build(g, dt) {
      const x = g.input('x', dt, [1, 2]);
      g.output(g.op('Softmax', [x], { axis: -1 }), 'y', dt, [1, 2]);
      return { feeds: { x: floatTensor(dt, [0, 0], [1, 2]) }, check: (y) => near(y, [0.5, 0.5], 1e-3) };
    },
  },
  {
    op: 'ReduceMean',
    build(g, dt) {
      const x = g.input('x', dt, [2, 2]);
      g.output(g.op('ReduceMean', [x, g.int64([-1])], { keepdims: 1 }), 'y', dt, [2, 1]);
      return { feeds: { x: floatTensor(dt, [1, 2, 3, 4], [2, 2]) }, check: (y) => near(y, [1.5, 3.5], 1e-3) };
    },
  },
  {
    op: 'Sigmoid',
    build(g, dt) {
      const x = g.input('x', dt, [1]);
      g.output(g.op('Sigmoid', [x]), 'y', dt, [1]);
      return { feeds: { x: floatTensor(dt, [0], [1]) }, check: (y) => near(y, [0.5], 1e-3) };
    },
  },
  {
    op: 'GroupQueryAttention',
    build(g, dt) {
      // head_dim 16 (the CPU kernel's minimum multiple), one token: attention of a token to itself returns its value.
      const D = 16;
      const q = g.input('q', dt, [1, 1, D]);
      const k = g.input('k', dt, [1, 1, D]);
      const v = g.input('v', dt, [1, 1, D]);
      const past = g.input('past', dt, [1, 1, 0, D]);
      const seqlens = g.input('seqlens_k', 'int32', [1]);
      const total = g.input('total', 'int32', []);
      const cos = g.input('cos', dt, [1, D / 2]);
      const sin = g.input('sin', dt, [1, D / 2]);
      const [out] = g.op(
        'GroupQueryAttention',
        [q, k, v, past, past, seqlens, total, cos, sin],
        { num_heads: 1, kv_num_heads: 1, do_rotary: 1 },
        { domain: 'com.microsoft', outputs: 3 },
      );
      g.output(out, 'y', dt, [1, 1, D]);
      const vals = Array.from({ length: D }, (_, i) => i / 4);
      return {
        feeds: {
          q: floatTensor(dt, vals, [1, 1, D]),
          k: floatTensor(dt, vals, [1, 1, D]),
          v: floatTensor(dt, vals, [1, 1, D]),
          past: floatTensor(dt, [], [1, 1, 0, D]),
          seqlens_k: new ort.Tensor('int32', Int32Array.of(0), [1]),
          total: new ort.Tensor('int32', Int32Array.of(1), []),
          cos: floatTensor(dt, new Array<number>(D / 2).fill(1), [1, D / 2]),
          sin: floatTensor(dt, new Array<number>(D / 2).fill(0), [1, D / 2]),
        },
        check: (y) => near(y, vals, 1e-2),
      };
    },
  },
];

/** Names of the ops `smokeTestOps` checks. */
export const SMOKE_OPS: readonly string[] = SMOKE_CASES.map((c) => c.op);

const smokeCache = new Map<string, Promise<OpSmokeResult>>();

/** Runs (once per process) a one-node model of `op` in `dtype` on `provider`. */
export function smokeTestOp(provider: ExecutionProvider, op: string, dtype: 'float32' | 'float16'): Promise<OpSmokeResult> {
  const key = `${provider}:${op}:${dtype}`;
  let p = smokeCache.get(key);
  if (!p) {
    p = runSmoke(provider, op, dtype);
    smokeCache.set(key, p);
  }
  return p;
}

/** Smoke-tests every op the decoder graph relies on, in both dtypes. */
export async function smokeTestOps(provider: ExecutionProvider): Promise<OpSmokeResult[]> {
  const out: OpSmokeResult[] = [];
  for (const c of SMOKE_CASES) for (const dt of ['float32', 'float16'] as const) out.push(await smokeTestOp(provider, c.op, dt));
  return out;
}

async function runSmoke(provider: ExecutionProvider, op: string, dtype: 'float32' | 'float16'): Promise<OpSmokeResult> {
  const c = SMOKE_CASES.find((x) => x.op === op);
  if (!c) throw new Error(`no smoke test for op ${op}; known: ${SMOKE_OPS.join(', ')}`);
  const status = await probeProvider(provider);
  if (!status.available) return { op, dtype, provider, ok: false, error: `provider unavailable: ${status.reason}` };
  const g = new GraphBuilder(`smoke_${op}`);
  const { feeds, check } = c.build(g, dtype);
  try {
    const s = await ort.InferenceSession.create(g.toBytes({ '': 18, 'com.microsoft': 1 }), sessionOptionsFor(provider));
    try {
      const y = (await s.run(feeds)).y;
      const values = y.type === 'float16' ? Array.from(y.data as Uint16Array, fromHalf) : Array.from(y.data as Float32Array);
      return check(values) ? { op, dtype, provider, ok: true } : { op, dtype, provider, ok: false, error: `wrong result ${JSON.stringify(values.slice(0, 8))}` };
    } finally {
      await s.release();
    }
  } catch (e) {
    return { op, dtype, provider, ok: false, error: (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 300) };
  }
}
