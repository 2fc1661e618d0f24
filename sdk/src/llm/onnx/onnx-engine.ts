import * as ort from 'onnxruntime-node';
import { BadRequestError, ConfigError, throwIfAborted } from '../../errors.js';
import { silentLogger, silentProgress, type Logger, type ProgressReporter } from '../../logger.js';
import type { KvData } from '../../kv-cache.js';
import { loadCheckpoint, type Checkpoint } from '../checkpoint.js';
import type { DecoderConfig, LayerOutputs, PrefillEngine, PrefillExtras, PrefillOutputs, PrefillRequest } from '../types.js';
import { buildDecoderGraph, DECODER_GRAPH_VERSION, prefillNames, type AttentionKind, type DecoderGraphOptions, type GraphDtype } from './decoder-graph.js';
import { expectedRotationFeed } from './score-extras.js';
import { ensureCachedGraph, fileFingerprints, graphCacheKey, type CachedGraph } from './graph-cache.js';
import { smokeTestOp, type ExecutionProvider } from './providers.js';
import { openSession, type OrtSession } from './session.js';
import { CheckpointWeightBinder } from './weights.js';

/** Options of `createOnnxPrefillEngine`. */
export interface OnnxPrefillEngineOptions {
  /** A checkpoint directory or an opened checkpoint. */
  checkpoint: string | Checkpoint;
  /** Extras the main graph computes; a request asking for others gets its own graph, built on first use. */
  extras?: PrefillExtras;
  /** Execution provider; default `cpu`. */
  provider?: ExecutionProvider;
  /** Graph dtype; default float32 on cpu, float16 on cuda/webgpu. */
  dtype?: GraphDtype;
  /** Attention implementation; `auto` picks GroupQueryAttention where the provider runs it, else plain. Default `auto`. */
  attention?: 'auto' | AttentionKind;
  /** Longest prefill in tokens (RoPE table rows). Default min(max_position_embeddings, 16384). */
  maxPositions?: number;
  /** How projections are written (see DecoderGraphOptions.projection); default `gemm`. */
  projection?: 'gemm' | 'matmul';
  /** Directory for built graphs (`<cacheDir>/graphs/<key>/`). */
  cacheDir: string;
  logger?: Logger;
  progress?: ProgressReporter;
}

/** A PrefillEngine on onnxruntime-node; `graphDir` says where its main graph lives. */
export interface OnnxPrefillEngine extends PrefillEngine {
  readonly provider: ExecutionProvider;
  readonly dtype: GraphDtype;
  readonly attention: AttentionKind;
  /** The main graph (built or loaded from the cache). */
  readonly graph: CachedGraph;
}

/**
 * Builds (or loads from the cache) the prefill graph of a checkpoint and opens a session
 * on the configured provider. Fails at start-up, not per request, when the provider or an
 * op it needs is unavailable.
 */
export async function createOnnxPrefillEngine(options: OnnxPrefillEngineOptions): Promise<OnnxPrefillEngine> {
  const logger = options.logger ?? silentLogger;
  const checkpoint = typeof options.checkpoint === 'string' ? await loadCheckpoint(options.checkpoint) : options.checkpoint;
  const config = checkpoint.config;
  const provider = options.provider ?? 'cpu';
  const dtype = options.dtype ?? (provider === 'cpu' ? 'float32' : 'float16');
  const extras = normaliseExtras(options.extras ?? {});
  const attention = await chooseAttention(options.attention ?? 'auto', config, provider, dtype, extras);
  const maxPositions = options.maxPositions ?? Math.min(config.maxPositionEmbeddings, 16384);
  const projection = options.projection ?? 'gemm';
  const engine = new Engine(checkpoint, { provider, dtype, attention, maxPositions, projection, cacheDir: options.cacheDir, logger, progress: options.progress ?? silentProgress });
  await engine.open(extras);
  return engine;
}

async function chooseAttention(
  wanted: 'auto' | AttentionKind,
  c: DecoderConfig,
  provider: ExecutionProvider,
  dtype: GraphDtype,
  extras: PrefillExtras,
): Promise<AttentionKind> {
  if (wanted === 'plain') return 'plain';
  const problems: string[] = [];
  if (c.headDim % 16 !== 0) problems.push(`head_dim ${c.headDim} is not a multiple of 16 (onnxruntime's GroupQueryAttention requires it)`);
  if (extras.attentionColumnSums) problems.push('attentionColumnSums needs the attention weights, which GroupQueryAttention does not expose');
  const smoke = await smokeTestOp(provider, 'GroupQueryAttention', dtype);
  if (!smoke.ok) problems.push(`GroupQueryAttention (${dtype}) does not run on ${provider}: ${smoke.error}`);
  if (problems.length === 0) return 'gqa';
  if (wanted === 'gqa') throw new ConfigError('attention', `"gqa" is not possible: ${problems.join('; ')}. Use attention "plain" or "auto"`);
  return 'plain';
}

interface EngineSettings {
  provider: ExecutionProvider;
  dtype: GraphDtype;
  attention: AttentionKind;
  maxPositions: number;
  projection: 'gemm' | 'matmul';
  cacheDir: string;
  logger: Logger;
  progress: ProgressReporter;
}

interface Variant {
  extras: PrefillExtras;
  graph: CachedGraph;
  session: OrtSession;
}

class Engine implements OnnxPrefillEngine {
  readonly config: DecoderConfig;
  private main!: Variant;
  private readonly variants = new Map<string, Promise<Variant>>();
  private closed = false;

  constructor(
    private readonly checkpoint: Checkpoint,
    private readonly s: EngineSettings,
  ) {
    this.config = checkpoint.config;
  }

  get provider(): ExecutionProvider {
    return this.s.provider;
  }
  get dtype(): GraphDtype {
    return this.s.dtype;
  }
  get attention(): AttentionKind {
    return this.s.attention;
  }
  get graph(): CachedGraph {
    return this.main.graph;
  }

  async open(extras: PrefillExtras): Promise<void> {
    this.main = await this.variant(extras);
  }

  async prefill(request: PrefillRequest): Promise<PrefillOutputs> {
    if (this.closed) throw new Error('prefill engine used after close()');
    throwIfAborted(request.signal);
    const ids = request.inputIds;
    const S = ids.length;
    if (S === 0) throw new BadRequestError('prefill needs at least one token');
    if (S > this.s.maxPositions) {
      throw new BadRequestError(`prefill of ${S} tokens exceeds the engine's maxPositions ${this.s.maxPositions}; raise the engine option maxPositions`);
    }
    const { vocabSize } = this.config;
    const feed = new BigInt64Array(S);
    for (let t = 0; t < S; t++) {
      const id = ids[t];
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new BadRequestError(`token id ${id} at position ${t} is outside the vocabulary (0..${vocabSize - 1})`);
      feed[t] = BigInt(id);
    }
    const wanted = normaliseExtras(request.extras ?? {});
    const v = covers(this.main.extras, wanted) ? this.main : await this.variant(wanted);
    throwIfAborted(request.signal);

    const L = this.config.numLayers;
    const fetch: string[] = [];
    for (let l = 0; l < L; l++) {
      fetch.push(prefillNames.presentKey(l), prefillNames.presentValue(l));
      if (wanted.queryWindow) fetch.push(prefillNames.queryWindow(l));
      if (wanted.queryStats) fetch.push(prefillNames.queryMean(l), prefillNames.queryCov(l));
      if (wanted.attentionColumnSums) fetch.push(prefillNames.attentionColumnSums(l));
      if (wanted.windowAttention) fetch.push(prefillNames.windowAttention(l));
      if (wanted.expectedAttention) fetch.push(prefillNames.expectedAttentionLogits(l));
    }
    const feeds: Record<string, ort.Tensor> = { [prefillNames.inputIds]: new ort.Tensor('int64', feed, [1, S]) };
    // The graph declares the rotation input whenever it computes the logits, asked for or not.
    const expected = v.extras.expectedAttention;
    if (expected) feeds[prefillNames.expectedRotation] = new ort.Tensor('float32', expectedRotationFeed(this.config, S, expected.futurePositions), [2, this.config.headDim]);
    const out = await v.session.run(feeds, fetch);
    throwIfAborted(request.signal);

    const { numHeads: H, headDim: D } = this.config;
    const layers: LayerOutputs[] = [];
    for (let l = 0; l < L; l++) {
      const layer: LayerOutputs = { key: kvData(out[prefillNames.presentKey(l)]), value: kvData(out[prefillNames.presentValue(l)]) };
      if (wanted.queryWindow) {
        // The graph may hold a wider window than asked: keep the last rows of each head.
        const t = out[prefillNames.queryWindow(l)];
        const have = t.dims[2];
        const keep = Math.min(wanted.queryWindow, S);
        layer.queryWindow = have === keep ? (t.data as Float32Array) : lastRows(t.data as Float32Array, H, have, keep, D);
      }
      if (wanted.queryStats) {
        // Fewer than one position after skipFirst: zeros, as the reference forward returns.
        const empty = S <= wanted.queryStats.skipFirst;
        layer.queryMean = empty ? new Float32Array(H * D) : (out[prefillNames.queryMean(l)].data as Float32Array);
        layer.queryCov = empty ? new Float32Array(H * D * D) : (out[prefillNames.queryCov(l)].data as Float32Array);
      }
      if (wanted.attentionColumnSums) layer.attentionColumnSums = out[prefillNames.attentionColumnSums(l)].data as Float32Array;
      if (wanted.windowAttention) layer.windowAttention = out[prefillNames.windowAttention(l)].data as Float32Array;
      if (wanted.expectedAttention) {
        // As for queryStats: no position after skipFirst gives zeros, as the reference forward does.
        const empty = S <= wanted.expectedAttention.skipFirst;
        layer.expectedAttentionLogits = empty ? new Float32Array(H * S) : (out[prefillNames.expectedAttentionLogits(l)].data as Float32Array);
      }
      layers.push(layer);
    }
    return { tokens: S, layers };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const all = await Promise.allSettled(this.variants.values());
    for (const r of all) if (r.status === 'fulfilled') await r.value.session.release();
  }

  /** The graph + session computing `extras`, built and opened once. */
  private variant(extras: PrefillExtras): Promise<Variant> {
    const attention: AttentionKind = extras.attentionColumnSums ? 'plain' : this.s.attention;
    const id = JSON.stringify({ extras, attention });
    let p = this.variants.get(id);
    if (!p) {
      p = this.openVariant(extras, attention);
      this.variants.set(id, p);
      p.catch(() => this.variants.delete(id));
    }
    return p;
  }

  private async openVariant(extras: PrefillExtras, attention: AttentionKind): Promise<Variant> {
    const { checkpoint, s } = this;
    const graphOptions: DecoderGraphOptions = { dtype: s.dtype, attention, extras, maxPositions: s.maxPositions, projection: s.projection };
    const files = [...new Set([...checkpoint.tensors.values()].map((t) => t.file))];
    const key = graphCacheKey({ version: DECODER_GRAPH_VERSION, config: checkpoint.config, graphOptions, files: await fileFingerprints(files) });
    const graph = await ensureCachedGraph({
      cacheDir: s.cacheDir,
      key,
      logger: s.logger,
      progress: s.progress,
      build: () => {
        const binder = new CheckpointWeightBinder(checkpoint.tensors, s.dtype);
        const g = buildDecoderGraph(checkpoint.config, graphOptions, (gb) => binder.bind(gb));
        return {
          model: g.toBytes({ '': 18, 'com.microsoft': 1 }, { 'neural-condense.graph-version': String(DECODER_GRAPH_VERSION) }),
          plan: binder.plan,
          info: { checkpoint: checkpoint.dir, graphOptions, nodes: g.nodeCount },
        };
      },
    });
    const session = await openSession(graph.modelPath, s.provider, s.logger);
    s.logger.info({ provider: s.provider, dtype: s.dtype, attention, extras, graph: graph.dir, cached: !graph.built }, 'prefill engine ready');
    return { extras, graph, session };
  }
}

/** Drops empty extras so equal requests map to one graph. */
function normaliseExtras(e: PrefillExtras): PrefillExtras {
  const out: PrefillExtras = {};
  if (e.queryWindow !== undefined) {
    if (!Number.isInteger(e.queryWindow) || e.queryWindow < 1) throw new BadRequestError(`extras.queryWindow must be a positive integer, got ${e.queryWindow}`);
    out.queryWindow = e.queryWindow;
  }
  if (e.queryStats) {
    if (!Number.isInteger(e.queryStats.skipFirst) || e.queryStats.skipFirst < 0) {
      throw new BadRequestError(`extras.queryStats.skipFirst must be a non-negative integer, got ${e.queryStats.skipFirst}`);
    }
    out.queryStats = { skipFirst: e.queryStats.skipFirst };
  }
  if (e.attentionColumnSums) out.attentionColumnSums = true;
  if (e.windowAttention !== undefined) {
    if (!Number.isInteger(e.windowAttention) || e.windowAttention < 1) throw new BadRequestError(`extras.windowAttention must be a positive integer, got ${e.windowAttention}`);
    out.windowAttention = e.windowAttention;
  }
  if (e.expectedAttention) {
    const { skipFirst, futurePositions, covariance } = e.expectedAttention;
    if (!Number.isInteger(skipFirst) || skipFirst < 0) throw new BadRequestError(`extras.expectedAttention.skipFirst must be a non-negative integer, got ${skipFirst}`);
    if (!Number.isInteger(futurePositions) || futurePositions < 1) {
      throw new BadRequestError(`extras.expectedAttention.futurePositions must be a positive integer, got ${futurePositions}`);
    }
    out.expectedAttention = { skipFirst, futurePositions, covariance: covariance === true };
  }
  return out;
}

/** Whether a graph computing `have` can answer a request for `want`. */
function covers(have: PrefillExtras, want: PrefillExtras): boolean {
  if (want.queryWindow && (have.queryWindow ?? 0) < want.queryWindow) return false;
  if (want.queryStats && have.queryStats?.skipFirst !== want.queryStats.skipFirst) return false;
  if (want.attentionColumnSums && !have.attentionColumnSums) return false;
  // The mean over a different window is a different number: only the same window answers.
  if (want.windowAttention && have.windowAttention !== want.windowAttention) return false;
  if (want.expectedAttention && JSON.stringify(have.expectedAttention) !== JSON.stringify(want.expectedAttention)) return false;
  return true;
}

function kvData(t: ort.Tensor): KvData {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') return t.data as Uint16Array;
  throw new Error(`unexpected present dtype ${t.type}`);
}

/** [H, have, D] → the last `keep` rows of each head, [H, keep, D]. */
function lastRows(x: Float32Array, H: number, have: number, keep: number, D: number): Float32Array {
  const out = new Float32Array(H * keep * D);
  for (let h = 0; h < H; h++) out.set(x.subarray((h * have + have - keep) * D, (h * have + have) * D), h * keep * D);
  return out;
}
