import { randomUUID } from 'node:crypto';
import type { KeyringPair } from '@polkadot/keyring/types';
import { u8aToHex } from '@polkadot/util';
import { EMPTY_BODY_HASH } from '../protocol/body-hash.js';
import { AXON_PREFIX, synapseToHeaders, terminalFromHeaders, type TerminalHeaders } from '../protocol/headers.js';
import { stringifyWithBigInt } from '../protocol/json.js';
import { signatureMessage } from '../protocol/signature-message.js';
import { emptySynapse, type SynapseName } from '../protocol/synapse.js';
import { AXON_VERSION } from '../protocol/version.js';

/** The axon to call: where it listens and whose hotkey it runs under. */
export interface AxonTarget {
  host: string;
  port: number;
  /** ss58 of the miner's hotkey (signed into every request). */
  hotkey: string;
}

/** One answered call, as bittensor's dendrite would see it. */
export interface DendriteResponse {
  /** `dendrite.status_code`: the `bt_header_axon_status_code` header, else the HTTP status. */
  statusCode: number;
  statusMessage: string;
  /** Parsed JSON body (the synapse on 200, `{message}` otherwise). */
  body: Record<string, unknown>;
  /** `bt_header_axon_*` of the reply. */
  axon: TerminalHeaders;
  /** Client-measured seconds. */
  processTime: number;
}

/**
 * A TypeScript dendrite signing like bittensor's: one uuid per instance, nanosecond nonces,
 * message `{nonce}.{our hotkey}.{axon hotkey}.{uuid}.{body hash}`, all fields in the body.
 */
export class Dendrite {
  readonly uuid = randomUUID();
  private lastNonce = 0n;

  constructor(
    private readonly pair: KeyringPair,
    private readonly options: { fetch?: typeof fetch; ip?: string } = {},
  ) {}

  // time_ns() can repeat within a millisecond here; nonces per uuid must grow.
  private nextNonce(): bigint {
    const now = BigInt(Date.now()) * 1_000_000n;
    this.lastNonce = now > this.lastNonce ? now : this.lastNonce + 1n;
    return this.lastNonce;
  }

  /** Sends one synapse and returns what the validator-side dendrite would record. */
  async call(target: AxonTarget, name: SynapseName, fields: Record<string, unknown>, timeoutS: number): Promise<DendriteResponse> {
    const nonce = this.nextNonce();
    const message = signatureMessage({ nonce: nonce.toString(), dendriteHotkey: this.pair.address, uuid: this.uuid, computedBodyHash: EMPTY_BODY_HASH }, target.hotkey);
    const signature = u8aToHex(this.pair.sign(new TextEncoder().encode(message)));
    const synapse = { ...emptySynapse(name), ...fields, name, timeout: timeoutS };
    synapse.dendrite = { ...synapse.dendrite, ip: this.options.ip ?? '127.0.0.1', version: AXON_VERSION, nonce, uuid: this.uuid, hotkey: this.pair.address, signature };
    synapse.axon = { ...synapse.axon, ip: target.host, port: target.port, hotkey: target.hotkey };
    const headers = { ...synapseToHeaders({ ...synapse, computed_body_hash: EMPTY_BODY_HASH }), 'content-type': 'application/json' };
    const host = target.host.includes(':') ? `[${target.host}]` : target.host;
    const started = performance.now();
    const res = await (this.options.fetch ?? fetch)(`http://${host}:${target.port}/${name}`, {
      method: 'POST',
      headers,
      body: stringifyWithBigInt(synapse),
      signal: AbortSignal.timeout(Math.ceil(timeoutS * 1000)),
    });
    const text = await res.text();
    const processTime = (performance.now() - started) / 1000;
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(text);
      body = parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : { message: text };
    } catch {
      body = { message: text.slice(0, 500) };
    }
    const axon = terminalFromHeaders(res.headers, AXON_PREFIX);
    const statusCode = Number.parseInt(axon.status_code ?? '', 10) || res.status;
    const statusMessage = axon.status_message ?? (typeof body.message === 'string' ? body.message : res.statusText);
    return { statusCode, statusMessage, body, axon, processTime };
  }
}
