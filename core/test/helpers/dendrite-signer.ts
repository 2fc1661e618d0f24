// A test-only Python dendrite, written from spec/bittensor.md §1–2 and NOT from the axon
// code: it builds the JSON body (`model_dump()` with every field) and the headers
// (`to_headers()`) of a signed request exactly as bittensor's dendrite does.
import { createHash, randomUUID } from 'node:crypto';
import { u8aToHex } from '@polkadot/util';
import type { KeyringPair } from '@polkadot/keyring/types';

/** sha3_256("") — the body hash of every SN47 synapse (no required_hash_fields). */
export const SN47_BODY_HASH = createHash('sha3-256').update('').digest('hex');

/** bittensor 9.0.0 as `version_as_int`. */
export const DENDRITE_VERSION = 9_000_000;

const nullTerminal = () => ({
  status_code: null,
  status_message: null,
  process_time: null,
  ip: null,
  port: null,
  version: null,
  nonce: null,
  uuid: null,
  hotkey: null,
  signature: null,
});

/** Default subclass fields of the SN47 synapses (protocol.py). */
export function synapseFields(name: string): Record<string, unknown> {
  if (name === 'TextCompressProtocol') {
    return {
      context: '',
      target_model: '',
      tier: '',
      compressed_kv_url: '',
      compressed_context: '',
      util_data: { compressed_kv_b64: '', compressed_length: 0, download_time: 0.0, bonus_compress_size: 0.0, bonus_time: 0.0, local_filename: '' },
      task_data: {
        formatted_context: '',
        original_context: '',
        challenge_questions: [],
        challenge_answers: [],
        formatted_questions: [],
        negative_chunks: [],
        positive_chunks: [],
      },
    };
  }
  if (name === 'Metadata') return { metadata: {} };
  return {};
}

export interface SignOptions {
  /** Synapse class name = route. */
  name: string;
  /** Subclass fields to set (e.g. context, target_model). */
  fields?: Record<string, unknown>;
  /** The miner the request is meant for: its ss58 goes into the signed message. */
  axonHotkey: string;
  axonIp?: string;
  axonPort?: number;
  timeout?: number;
  /** Nanoseconds since epoch, as a bigint (default: now). */
  nonce?: bigint;
  uuid?: string;
  /** Header `computed_body_hash` and the hash signed (default SN47_BODY_HASH). */
  bodyHash?: string;
}

export interface SignedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The exact message signed. */
  message: string;
}

/** Python's str(float). */
const pyFloat = (v: number) => (Number.isInteger(v) ? v.toFixed(1) : String(v));

/** Builds one signed request like `dendrite.call` does. */
export function signRequest(pair: KeyringPair, options: SignOptions): SignedRequest {
  const nonce = options.nonce ?? BigInt(Date.now()) * 1_000_000n;
  const uuid = options.uuid ?? randomUUID();
  const bodyHash = options.bodyHash ?? SN47_BODY_HASH;
  const timeout = options.timeout ?? 12.0;
  const message = `${nonce}.${pair.address}.${options.axonHotkey}.${uuid}.${bodyHash}`;
  const signature = u8aToHex(pair.sign(new TextEncoder().encode(message)));
  const dendrite = { ...nullTerminal(), ip: '127.0.0.1', version: DENDRITE_VERSION, nonce: '__NONCE__', uuid, hotkey: pair.address, signature };
  const axon = { ...nullTerminal(), ip: options.axonIp ?? '127.0.0.1', port: options.axonPort ?? 8091, hotkey: options.axonHotkey };
  const dump = {
    name: options.name,
    timeout,
    total_size: 3000,
    header_size: 0,
    dendrite,
    axon,
    computed_body_hash: '',
    ...synapseFields(options.name),
    ...options.fields,
  };
  // Python's json writes the 19-digit nonce as an exact integer.
  const body = JSON.stringify(dump).replace('"__NONCE__"', nonce.toString());
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    name: options.name,
    timeout: pyFloat(timeout),
    bt_header_axon_ip: axon.ip,
    bt_header_axon_port: String(axon.port),
    bt_header_axon_hotkey: axon.hotkey,
    bt_header_dendrite_ip: dendrite.ip,
    bt_header_dendrite_version: String(dendrite.version),
    bt_header_dendrite_nonce: nonce.toString(),
    bt_header_dendrite_uuid: uuid,
    bt_header_dendrite_hotkey: pair.address,
    bt_header_dendrite_signature: signature,
    header_size: '640',
    total_size: '3000',
    computed_body_hash: bodyHash,
  };
  return { path: `/${options.name}`, headers, body, message };
}
