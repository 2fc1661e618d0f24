import { performance } from 'node:perf_hooks';
import {
  applyScorerPress,
  throwIfAborted,
  CompressorError,
  silentLogger,
  silentProgress,
  type CompressionRequest,
  type Compressor,
  type KvCacheResult,
  type Logger,
  type ProgressReporter,
  type ScorerPress,
} from '@neural-condense/sdk';
import {
  contextFormatFor,
  createOnnxPrefillEngine,
  loadCheckpoint,
  loadTokenizer,
  ReferencePrefillEngine,
  resolveModel,
  tokenizeContext,
  type PrefillEngine,
  type TextTokenizer,
} from '@neural-condense/sdk/llm';
import { servedModels, type KvpressOptions } from './options.js';
import { createPress } from './presses/index.js';

/** What the compressor needs from its host (a subset of the SDK's PluginContext). */
export interface KvpressContext {
  logger?: Logger;
  progress?: ProgressReporter;
  /** Where built-in models, pulled models and built graphs live. */
  cacheDir: string;
}

/**
 * kvpress on onnxruntime-node: tokenise the context as the validator does, run one
 * uncompressed prefill with the extras the press needs, score and prune every layer,
 * return the cache. The model and session are loaded once, in `init`.
 */
export class KvpressCompressor implements Compressor {
  readonly name: string;
  readonly supportedModels: readonly string[];
  readonly outputs = ['kv-cache'] as const;
  readonly press: ScorerPress;
  private readonly logger: Logger;
  private loaded?: Promise<{ engine: PrefillEngine; tokenizer: TextTokenizer }>;

  constructor(
    private readonly options: KvpressOptions,
    private readonly context: KvpressContext,
  ) {
    this.press = createPress(options.press, options);
    this.name = `kvpress/${options.press}`;
    this.supportedModels = servedModels(options);
    this.logger = (context.logger ?? silentLogger).child({ compressor: this.name });
  }

  async init(): Promise<void> {
    await this.load();
  }

  async compress(request: CompressionRequest): Promise<KvCacheResult> {
    const { engine, tokenizer } = await this.load();
    const timings: Record<string, number> = {};
    const stage = <T>(name: string, run: () => T): T => {
      throwIfAborted(request.signal);
      const start = performance.now();
      const result = run();
      timings[name] = performance.now() - start;
      return result;
    };
    const ids = stage('tokenizeMs', () => tokenizeContext(tokenizer, request.context, contextFormatFor(request.targetModel)));
    throwIfAborted(request.signal);
    const prefillStart = performance.now();
    const outputs = await engine.prefill({ inputIds: ids, extras: this.press.needs, signal: request.signal });
    timings.prefillMs = performance.now() - prefillStart;
    const cache = stage('pressMs', () =>
      applyScorerPress(outputs, this.press, {
        config: engine.config,
        compressionRatio: this.options.compressionRatio,
        budget: request.tokenBudget,
        rerotateKeys: this.options.rerotateKeys,
        signal: request.signal,
      }),
    );
    this.logger.debug({ id: request.id, tokens: ids.length, kept: cache.tokens, timings }, 'compressed');
    return { kind: 'kv-cache', cache, originalTokens: ids.length, timings };
  }

  async close(): Promise<void> {
    const loaded = this.loaded;
    this.loaded = undefined;
    if (loaded) await (await loaded.catch(() => undefined))?.engine.close();
  }

  private load(): Promise<{ engine: PrefillEngine; tokenizer: TextTokenizer }> {
    if (!this.loaded) {
      this.loaded = this.open();
      this.loaded.catch(() => (this.loaded = undefined));
    }
    return this.loaded;
  }

  private async open(): Promise<{ engine: PrefillEngine; tokenizer: TextTokenizer }> {
    const o = this.options;
    if (o.model.startsWith('builtin:')) {
      this.logger.warn(
        { model: o.model, servedModels: this.supportedModels },
        `!!! ${o.model} has RANDOM WEIGHTS: it exercises the pipeline only, and validators will score its caches zero. Set compressor.options.model to a real checkpoint to mine.`,
      );
    }
    const dir = await resolveModel(o.model, { cacheDir: this.context.cacheDir });
    const checkpoint = await loadCheckpoint(dir);
    if (!checkpoint.tokenizerPath) throw new CompressorError(this.name, `model ${o.model} (${dir}) has no tokenizer.json; kvpress needs the model's own tokenizer`);
    const tokenizer = await loadTokenizer(checkpoint.tokenizerPath);
    const engine =
      o.runtime === 'reference'
        ? await ReferencePrefillEngine.fromCheckpoint(checkpoint)
        : await createOnnxPrefillEngine({
            checkpoint,
            extras: this.press.needs,
            provider: o.device,
            dtype: o.dtype,
            maxPositions: o.maxPositions,
            cacheDir: this.context.cacheDir,
            logger: this.logger,
            progress: this.context.progress ?? silentProgress,
          });
    this.logger.info({ model: o.model, dir, runtime: o.runtime, device: o.device, press: this.press.name, compressionRatio: o.compressionRatio, rerotateKeys: o.rerotateKeys }, 'kvpress ready');
    return { engine, tokenizer };
  }
}
