import type { TierSpec } from '@neural-condense/sdk';
import { checkKvArtifact } from './check-artifact.js';
import type { AxonTarget, Dendrite, DendriteResponse } from './dendrite.js';

/** One `condense query` run. */
export interface SelfTestOptions {
  dendrite: Dendrite;
  target: AxonTarget;
  tier: TierSpec;
  /** Send Metadata instead of TextCompressProtocol. */
  metadata?: boolean;
  context?: string;
  targetModel?: string;
  timeoutS: number;
  /** fetch for the artifact download (tests). */
  fetch?: typeof fetch;
}

/** The verdict and the lines explaining it. */
export interface SelfTestResult {
  ok: boolean;
  lines: string[];
  response?: DendriteResponse;
}

/**
 * A miner's self-test: sends one signed synapse and judges the answer as a validator
 * would (status, then for kv-cache tiers the `.npy` behind the URL).
 */
export async function runSelfTest(options: SelfTestOptions): Promise<SelfTestResult> {
  const lines: string[] = [];
  const { dendrite, target, tier } = options;
  const name = options.metadata ? 'Metadata' : 'TextCompressProtocol';
  const fields = options.metadata ? {} : { context: options.context ?? '', target_model: options.targetModel ?? tier.targetModels[0] ?? '' };
  let response: DendriteResponse;
  try {
    response = await dendrite.call(target, name, fields, options.timeoutS);
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${options.timeoutS}s` : (e.cause?.code ?? e.message);
    return { ok: false, lines: [`${name} to ${target.host}:${target.port}: ${why}`, 'FAIL'] };
  }
  lines.push(`${name} -> ${target.host}:${target.port}: status ${response.statusCode} "${response.statusMessage}" in ${response.processTime.toFixed(3)} s`);
  if (response.statusCode !== 200) return { ok: false, lines: [...lines, 'FAIL: the miner did not answer 200'], response };

  if (options.metadata) {
    const metadata = response.body.metadata as Record<string, unknown> | undefined;
    const served = metadata?.tier;
    lines.push(`tier: ${String(served)}`);
    const ok = served === tier.name;
    lines.push(ok ? 'OK' : `FAIL: expected tier ${tier.name}`);
    return { ok, lines, response };
  }

  if (tier.output === 'text') {
    const text = response.body.compressed_context;
    if (typeof text !== 'string' || text.length === 0) return { ok: false, lines: [...lines, 'FAIL: empty compressed_context'], response };
    const ratio = text.length / Math.max(1, (options.context ?? '').length);
    lines.push(`compressed_context: ${text.length} characters (${(ratio * 100).toFixed(1)}% of the context by characters; validators measure tokens)`);
    lines.push('OK');
    return { ok: true, lines, response };
  }

  const url = response.body.compressed_kv_url;
  if (typeof url !== 'string' || url === '') return { ok: false, lines: [...lines, 'FAIL: no compressed_kv_url in the answer'], response };
  lines.push(`compressed_kv_url: ${url}`);
  const report = await checkKvArtifact(url, tier, { fetch: options.fetch });
  if (report.bytes !== undefined) lines.push(`downloaded ${report.bytes} bytes in ${report.downloadS?.toFixed(3)} s`);
  if (report.shape) lines.push(`npy: dtype ${report.descr}, shape (${report.shape.join(', ')})${report.tokens !== undefined ? `, ${report.tokens} condensed tokens` : ''}`);
  for (const problem of report.problems) lines.push(`problem: ${problem}`);
  lines.push(report.ok ? `OK: a validator would load this cache (tier ${tier.name}: ${tier.minCondensedTokens}..${tier.maxCondensedTokens} tokens)` : 'FAIL');
  return { ok: report.ok, lines, response };
}
