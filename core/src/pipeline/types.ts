import type { StageTimings } from '@neural-condense/sdk';

/** A condense request as it arrives over HTTP or from the axon. */
export interface CondenseInput {
  context: string;
  targetModel: string;
}

export interface CondenseOptions {
  /** Aborts the request (client went away, synapse timed out). */
  signal?: AbortSignal;
  /** Absolute deadline, ms since epoch. Defaults to now + the tier's timeout. */
  deadline?: number;
  /** For logs; generated when absent. */
  requestId?: string;
}

/** The backend's answer; field names are the wire names of `POST /condense`. */
export interface CondenseOutput {
  target_model: string;
  /** Public URL of the .npy (kv-cache tiers). */
  compressed_kv_url?: string;
  /** Compressed text (text tiers such as `universal`). */
  compressed_context?: string;
  /** Condensed tokens in the cache. */
  compressed_tokens?: number;
  /** Bytes of the uploaded file. */
  bytes?: number;
  /** Milliseconds per stage: queue, compress, encode_upload, total (plus the compressor's own). */
  timings: StageTimings;
}

/**
 * The request pipeline behind `POST /condense` and the axon's TextCompressProtocol:
 * tier checks -> queue -> compressor -> .npy encode -> store. One instance per process.
 */
export interface CondenseService {
  condense(input: CondenseInput, options?: CondenseOptions): Promise<CondenseOutput>;
}
