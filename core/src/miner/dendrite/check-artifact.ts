import { bytesPerElement, parseNpyHeader, type NpyDescr, type TierSpec } from '@neural-condense/sdk';

/** The validator's URL rule: http(s), ending in `.npy`, nothing after it. */
export const KV_URL_PATTERN = /^https?:\/\/.*\.npy$/;

/** The validator refuses files above 1024 MB (by Content-Length). */
export const MAX_KV_BYTES = 1024 * 1024 * 1024;

/** What a validator-style check found about a returned `.npy`. */
export interface ArtifactReport {
  ok: boolean;
  /** Human-readable reasons a validator would score this zero. */
  problems: string[];
  bytes?: number;
  descr?: string;
  /** (layers, 2, 1, kv_heads, tokens, head_dim) when the header parsed. */
  shape?: number[];
  tokens?: number;
  /** Seconds to download. */
  downloadS?: number;
}

/**
 * Checks a `compressed_kv_url` as SN47's validator would: the regex, HEAD size <= 1 GB,
 * the download, an `np.load`-compatible header and body length, the 6-d cache shape and
 * the tier's token bounds.
 */
export async function checkKvArtifact(url: string, tier: Pick<TierSpec, 'minCondensedTokens' | 'maxCondensedTokens'>, options: { fetch?: typeof fetch; timeoutMs?: number } = {}): Promise<ArtifactReport> {
  const doFetch = options.fetch ?? fetch;
  const problems: string[] = [];
  const report: ArtifactReport = { ok: false, problems };
  if (!KV_URL_PATTERN.test(url)) {
    problems.push(`URL does not match ${KV_URL_PATTERN.source}: ${url}`);
    return report;
  }
  const signal = AbortSignal.timeout(options.timeoutMs ?? 360_000);
  const head = await doFetch(url, { method: 'HEAD', signal }).catch((err: Error) => err);
  if (head instanceof Error) {
    problems.push(`HEAD ${url} failed: ${head.message}`);
    return report;
  }
  if (!head.ok) {
    problems.push(`HEAD ${url} answered ${head.status}; the file must be readable without credentials`);
    return report;
  }
  const declared = Number.parseInt(head.headers.get('content-length') ?? '', 10);
  if (Number.isFinite(declared) && declared > MAX_KV_BYTES) {
    problems.push(`file is ${declared} bytes; validators refuse more than ${MAX_KV_BYTES}`);
    return report;
  }
  const started = performance.now();
  const res = await doFetch(url, { signal }).catch((err: Error) => err);
  if (res instanceof Error || !res.ok) {
    problems.push(`GET ${url} failed: ${res instanceof Error ? res.message : `status ${res.status}`}`);
    return report;
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  report.downloadS = (performance.now() - started) / 1000;
  report.bytes = bytes.length;
  let header;
  try {
    header = parseNpyHeader(bytes);
  } catch (err) {
    problems.push(`np.load would fail: ${(err as Error).message}`);
    return report;
  }
  report.descr = header.descr;
  report.shape = header.shape;
  if (header.descr !== '<f2' && header.descr !== '<f4') problems.push(`dtype ${header.descr}: expected float16 (<f2) or float32 (<f4)`);
  if (header.fortranOrder) problems.push('fortran_order is True; the cache must be C-order');
  const count = header.shape.reduce((a, b) => a * b, 1);
  if (header.descr === '<f2' || header.descr === '<f4') {
    const expected = header.dataOffset + count * bytesPerElement(header.descr as NpyDescr);
    if (bytes.length !== expected) problems.push(`file has ${bytes.length} bytes; header promises ${expected}`);
  }
  const [, two, batch, , tokens] = header.shape;
  if (header.shape.length !== 6 || two !== 2 || batch !== 1) {
    problems.push(`shape (${header.shape.join(', ')}) is not (layers, 2, 1, kv_heads, tokens, head_dim)`);
  } else {
    report.tokens = tokens;
    if (tokens < tier.minCondensedTokens || tokens > tier.maxCondensedTokens) {
      problems.push(`${tokens} condensed tokens is outside the tier's ${tier.minCondensedTokens}..${tier.maxCondensedTokens}`);
    }
  }
  report.ok = problems.length === 0;
  return report;
}
