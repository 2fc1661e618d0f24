import * as ort from 'onnxruntime-node';
import type { Logger } from '../../logger.js';
import { ExecutionProviderError, requireProvider, sessionOptionsFor, type ExecutionProvider } from './providers.js';

/** An onnxruntime session pinned to one execution provider. */
export interface OrtSession {
  readonly provider: ExecutionProvider;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Runs the graph, fetching only `outputs`. */
  run(feeds: Record<string, ort.Tensor>, outputs: readonly string[]): Promise<Record<string, ort.Tensor>>;
  release(): Promise<void>;
}

/**
 * Opens `modelPath` on `provider`. The provider is checked first, so a GPU provider that
 * cannot start is an ExecutionProviderError naming what is missing, never a CPU session.
 */
export async function openSession(modelPath: string, provider: ExecutionProvider, logger: Logger): Promise<OrtSession> {
  await requireProvider(provider);
  const started = Date.now();
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(modelPath, sessionOptionsFor(provider));
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    if (provider !== 'cpu') {
      throw new ExecutionProviderError(provider, `could not load ${modelPath}: ${msg}. An op of this graph may be unsupported there; run \`condense doctor\` and see docs/execution-providers.md`, e);
    }
    throw new Error(`onnxruntime could not load ${modelPath}: ${msg}`, { cause: e });
  }
  logger.debug({ modelPath, provider, ms: Date.now() - started }, 'onnxruntime session ready');
  let released = false;
  return {
    provider,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds, outputs) {
      if (released) throw new Error('onnxruntime session used after release()');
      return (await session.run(feeds, [...outputs])) as Record<string, ort.Tensor>;
    },
    async release() {
      if (released) return;
      released = true;
      await session.release();
    },
  };
}
