import type { IncomingHttpHeaders } from 'node:http';
import type { Synapse, TerminalInfo } from './synapse.js';

/** Header prefixes of `Synapse.to_headers` (names are lower case on the wire). */
export const AXON_PREFIX = 'bt_header_axon_';
/** Prefix of the dendrite's terminal-info headers. */
export const DENDRITE_PREFIX = 'bt_header_dendrite_';

/** Terminal-info fields as raw header strings (absent headers are undefined). */
export type TerminalHeaders = Partial<Record<keyof TerminalInfo, string>>;

/** What `parse_headers_to_inputs` reads from a request, kept as the exact strings sent. */
export interface SynapseHeaders {
  name: string | undefined;
  /** Seconds, as sent (`"12.0"`). */
  timeout: string | undefined;
  computedBodyHash: string | undefined;
  dendrite: TerminalHeaders;
  axon: TerminalHeaders;
}

const TERMINAL_KEYS: readonly (keyof TerminalInfo)[] = ['status_code', 'status_message', 'process_time', 'ip', 'port', 'version', 'nonce', 'uuid', 'hotkey', 'signature'];

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function terminal(headers: IncomingHttpHeaders, prefix: string): TerminalHeaders {
  const out: TerminalHeaders = {};
  for (const key of TERMINAL_KEYS) {
    const value = one(headers[prefix + key]);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** Reads the bittensor headers of a request (Node lower-cases header names). */
export function parseSynapseHeaders(headers: IncomingHttpHeaders): SynapseHeaders {
  return {
    name: one(headers.name),
    timeout: one(headers.timeout),
    computedBodyHash: one(headers.computed_body_hash),
    dendrite: terminal(headers, DENDRITE_PREFIX),
    axon: terminal(headers, AXON_PREFIX),
  };
}

/** Python's `str(float)`: integral values keep a `.0` (`12.0`, not `12`). */
export function pyFloat(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

// Header values must be visible ASCII; a message quoting a caller's path must not break the reply.
function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

/** Terminal info as typed values or raw header strings. */
export type TerminalLike = Partial<Record<keyof TerminalInfo, string | number | bigint | null>>;

function terminalToHeaders(info: TerminalLike, prefix: string, out: Record<string, string>): void {
  for (const key of TERMINAL_KEYS) {
    const value = info[key];
    if (value === null || value === undefined) continue;
    out[prefix + key] = headerSafe(key === 'process_time' && typeof value === 'number' ? pyFloat(value) : String(value));
  }
}

/**
 * `Synapse.to_headers` of a reply: `name`, `timeout`, `computed_body_hash` and one
 * `bt_header_axon_*` / `bt_header_dendrite_*` per non-null terminal field.
 */
export function synapseToHeaders(synapse: Pick<Synapse, 'name' | 'timeout' | 'computed_body_hash'> & { axon: TerminalLike; dendrite: TerminalLike }): Record<string, string> {
  const out: Record<string, string> = {};
  if (synapse.name) out.name = synapse.name;
  out.timeout = pyFloat(synapse.timeout);
  terminalToHeaders(synapse.axon, AXON_PREFIX, out);
  terminalToHeaders(synapse.dendrite, DENDRITE_PREFIX, out);
  out.computed_body_hash = synapse.computed_body_hash;
  return out;
}

/** Terminal info from response headers (what the dendrite merges over its local copy). */
export function terminalFromHeaders(headers: Headers, prefix: string): TerminalHeaders {
  const out: TerminalHeaders = {};
  for (const key of TERMINAL_KEYS) {
    const value = headers.get(prefix + key);
    if (value !== null) out[key] = value;
  }
  return out;
}
