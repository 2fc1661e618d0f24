import type { Synapse } from '../protocol/synapse.js';
import type { SynapseHeaders } from '../protocol/headers.js';
import type { SynapseName } from '../protocol/synapse.js';

/** What the axon's middleware learn about one request, in `ctx.state.axon`. */
export interface AxonRequestState {
  /** Route segment (may be an unknown name until the route check). */
  name: string;
  /** Set once the route is known to be served. */
  synapse?: SynapseName;
  headers: SynapseHeaders;
  /** performance.now() at arrival, for `process_time`. */
  startedAt: number;
  /** The synapse's timeout in seconds (header, else body, else 12). */
  timeoutS: number;
  /** Parsed request body with defaults. */
  request?: Synapse;
  /** Caller facts from the blacklist. */
  caller?: { uid: number | undefined; stake: number; allowListed: boolean };
  /** Aborts when the synapse's timeout passes or the caller hangs up (set before priority). */
  signal?: AbortSignal;
  /** Absolute deadline, ms since epoch on the axon's clock. */
  deadline?: number;
  /** The synapse to answer with (success). */
  response?: Synapse;
}
