import { ApiPromise, WsProvider } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { Codec } from '@polkadot/types/types';
import type { Logger } from '@neural-condense/sdk';
import type { Metagraph } from '../metagraph.js';
import { AXON_PROTOCOL, ipToInt, type AxonInfo, type AxonTarget } from './axon-info.js';
import { ChainError, NotRegisteredError, withTimeout } from './errors.js';
import { SUBTENSOR_SIGNED_EXTENSIONS } from './signed-extensions.js';
import { stakeReaderFor, type StakeReader } from './stake-reader.js';

/** How the client reaches a node. */
export interface ChainClientOptions {
  endpoint: string;
  /** Timeout of every read (spec: long-lived websockets to public endpoints go stale). */
  callTimeoutMs: number;
  /** Timeout for an extrinsic to reach a block (default max(callTimeoutMs, 60 s)). */
  extrinsicTimeoutMs?: number;
  /** First reconnect delay; doubles per failed attempt up to maxReconnectDelayMs. */
  minReconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  logger: Logger;
}

/** Result of a submitted `serve_axon`. */
export interface ServeAxonReceipt {
  blockHash: string;
  extrinsicHash: string;
}

type Query = (...args: unknown[]) => Promise<Codec>;
type MultiQuery = { multi(args: unknown[]): Promise<Codec[]> };

const MULTI_CHUNK = 128;

/**
 * Subtensor through @polkadot/api, decorated from the node's own metadata. Every call has
 * a timeout; a dropped socket is reconnected with exponential backoff.
 */
export class ChainClient {
  private readonly provider: WsProvider;
  private readonly logger: Logger;
  private reconnectAttempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly connectedListeners = new Set<() => void>();
  private stakeReader: StakeReader | undefined;

  private constructor(
    readonly api: ApiPromise,
    provider: WsProvider,
    private readonly options: ChainClientOptions,
  ) {
    this.provider = provider;
    this.logger = options.logger;
  }

  /** Connects and waits until the API has the node's metadata. */
  static async connect(options: ChainClientOptions): Promise<ChainClient> {
    // autoConnectMs 0: reconnects are ours, with backoff, instead of the provider's fixed delay.
    const provider = new WsProvider(options.endpoint, 0, {}, options.callTimeoutMs);
    const api = new ApiPromise({ provider, signedExtensions: SUBTENSOR_SIGNED_EXTENSIONS, noInitWarn: true, throwOnConnect: false });
    const client = new ChainClient(api, provider, options);
    provider.on('disconnected', () => client.scheduleReconnect());
    provider.on('connected', () => {
      if (client.reconnectAttempt > 0) options.logger.info({ endpoint: options.endpoint }, 'chain: reconnected');
      client.reconnectAttempt = 0;
      for (const listener of client.connectedListeners) listener();
    });
    provider.on('error', () => {});
    await provider.connect().catch(() => client.scheduleReconnect());
    try {
      await withTimeout(api.isReadyOrError, options.callTimeoutMs, `connect ${options.endpoint}`);
    } catch (error) {
      await client.close();
      throw error instanceof ChainError ? error : new ChainError('disconnected', `cannot connect to ${options.endpoint}: ${String(error)}`, { cause: error });
    }
    return client;
  }

  /** The node URL. */
  get endpoint(): string {
    return this.options.endpoint;
  }

  /** True while the socket is open. */
  get isConnected(): boolean {
    return this.provider.isConnected;
  }

  /** Called each time the socket (re)connects. Returns an unsubscribe function. */
  onConnected(listener: () => void): () => void {
    this.connectedListeners.add(listener);
    return () => this.connectedListeners.delete(listener);
  }

  /** `pre-dtao` (TotalHotkeyStake) or `post-dtao` (TotalHotkeyAlpha), from the node's metadata. */
  get stakeSource(): StakeReader['source'] {
    return this.stakes().source;
  }

  /** Best block number. */
  async bestBlock(): Promise<number> {
    const header = await this.call('chain_getHeader', () => this.api.rpc.chain.getHeader());
    return header.number.toNumber();
  }

  /** The hotkey's uid on the subnet, or undefined. */
  async uidOf(netuid: number, hotkey: string): Promise<number | undefined> {
    const uid = (await this.call('Uids', () => this.query('uids')(netuid, hotkey))) as Codec & { isSome: boolean; unwrap(): Codec };
    return uid.isSome ? Number(uid.unwrap().toString()) : undefined;
  }

  /** The hotkey's uid, or a NotRegisteredError telling the operator to register. */
  async requireRegistered(netuid: number, hotkey: string): Promise<number> {
    const uid = await this.uidOf(netuid, hotkey);
    if (uid === undefined) throw new NotRegisteredError(hotkey, netuid, this.endpoint);
    return uid;
  }

  /** Reads hotkeys, stake (TAO), permits and the block: one metagraph snapshot. */
  async readMetagraph(netuid: number): Promise<Metagraph> {
    const block = await this.bestBlock();
    const n = Number((await this.call('SubnetworkN', () => this.query('subnetworkN')(netuid))).toString());
    const uids = Array.from({ length: n }, (_, uid) => uid);
    const keys = await this.multi('Keys', 'keys', uids.map((uid) => [netuid, uid]));
    const hotkeys = keys.map((k) => k.toString());
    const permitsRaw = (await this.call('ValidatorPermit', () => this.query('validatorPermit')(netuid))).toJSON() as boolean[];
    const validatorPermits = uids.map((uid) => permitsRaw[uid] === true);
    const stakes = await this.stakes().read(netuid, hotkeys);
    return { netuid, block, hotkeys, stakes, validatorPermits };
  }

  /** What `Axons(netuid, hotkey)` holds, or undefined when nothing was served. */
  async axonOf(netuid: number, hotkey: string): Promise<AxonInfo | undefined> {
    const value = (await this.call('Axons', () => this.query('axons')(netuid, hotkey))) as Codec & { isSome: boolean; unwrap(): Codec };
    if (!value.isSome) return undefined;
    const info = value.unwrap() as Codec & { get(field: string): Codec | undefined };
    const field = (name: string): string => info.get(name)?.toString() ?? '0';
    return {
      block: Number(field('block')),
      version: Number(field('version')),
      ip: BigInt(field('ip')),
      port: Number(field('port')),
      ipType: Number(field('ipType')),
      protocol: Number(field('protocol')),
    };
  }

  /** `ServingRateLimit(netuid)`: blocks between two `serve_axon` of one hotkey. */
  async servingRateLimit(netuid: number): Promise<number> {
    return Number((await this.call('ServingRateLimit', () => this.query('servingRateLimit')(netuid))).toString());
  }

  /** Submits `serve_axon` signed by the hotkey and waits until it is in a block; a dispatch error throws. */
  async serveAxon(netuid: number, hotkey: KeyringPair, target: AxonTarget): Promise<ServeAxonReceipt> {
    const { ip, ipType } = ipToInt(target.ip);
    const tx = this.api.tx.subtensorModule!.serveAxon!(netuid, target.version, ip.toString(), target.port, ipType, AXON_PROTOCOL, 0, 0);
    const timeoutMs = this.options.extrinsicTimeoutMs ?? Math.max(this.options.callTimeoutMs, 60_000);
    let unsubscribe: (() => void) | undefined;
    let settled = false;
    const included = new Promise<ServeAxonReceipt>((resolve, reject) => {
      tx.signAndSend(hotkey, { nonce: -1 }, (result) => {
        if (result.dispatchError) {
          const error = result.dispatchError;
          const reason = error.isModule ? (({ section, name }) => `${section}.${name}`)(this.api.registry.findMetaError(error.asModule)) : error.toString();
          reject(new ChainError('extrinsic_failed', `serve_axon was rejected by the chain: ${reason}`));
        } else if (result.status.isInBlock || result.status.isFinalized) {
          const blockHash = (result.status.isInBlock ? result.status.asInBlock : result.status.asFinalized).toHex();
          resolve({ blockHash, extrinsicHash: tx.hash.toHex() });
        } else if (result.isError) {
          reject(new ChainError('extrinsic_failed', `serve_axon was dropped by the node: ${result.status.type}`));
        }
      })
        // The status can arrive before signAndSend resolves with its unsubscribe function.
        .then((unsub) => (settled ? unsub() : (unsubscribe = unsub)))
        .catch((error: unknown) => reject(new ChainError('extrinsic_failed', `serve_axon was refused: ${error instanceof Error ? error.message : String(error)}`, { cause: error })));
    });
    try {
      return await withTimeout(included, timeoutMs, 'serve_axon');
    } finally {
      settled = true;
      unsubscribe?.();
    }
  }

  /** Closes the socket and stops reconnecting. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    await this.api.disconnect().catch(() => {});
  }

  /** Runs one chain call under the call timeout. */
  async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    if (!this.provider.isConnected) throw new ChainError('disconnected', `chain call '${what}': not connected to ${this.endpoint} (reconnecting)`);
    try {
      return await withTimeout(run(), this.options.callTimeoutMs, what);
    } catch (error) {
      if (error instanceof ChainError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      // The socket dropped under the call: the same answer as calling while disconnected.
      if (/disconnected from|not connected/i.test(message)) throw new ChainError('disconnected', `chain call '${what}': ${message} (reconnecting)`, { cause: error });
      throw error;
    }
  }

  /** A storage map read in chunks of keys, each chunk under the call timeout. */
  async multi(what: string, method: string, args: unknown[]): Promise<Codec[]> {
    const entry = this.query(method) as unknown as MultiQuery;
    const out: Codec[] = [];
    for (let i = 0; i < args.length; i += MULTI_CHUNK) {
      out.push(...(await this.call(what, () => entry.multi(args.slice(i, i + MULTI_CHUNK)))));
    }
    return out;
  }

  /** A SubtensorModule storage entry, or an error naming what the runtime lacks. */
  query(method: string): Query {
    const entry = this.api.query.subtensorModule?.[method] as unknown as Query | undefined;
    if (!entry) throw new ChainError('unsupported_runtime', `the runtime at ${this.endpoint} has no SubtensorModule.${method}; is this a Subtensor node?`);
    return entry;
  }

  /** True when the runtime has `SubtensorModule.<method>` storage. */
  hasStorage(method: string): boolean {
    return this.api.query.subtensorModule?.[method] !== undefined;
  }

  private stakes(): StakeReader {
    this.stakeReader ??= stakeReaderFor(this);
    return this.stakeReader;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const min = this.options.minReconnectDelayMs ?? 1_000;
    const max = this.options.maxReconnectDelayMs ?? 60_000;
    const delay = Math.min(max, min * 2 ** this.reconnectAttempt);
    this.reconnectAttempt++;
    this.logger.warn({ endpoint: this.endpoint, attempt: this.reconnectAttempt, delayMs: delay }, 'chain: disconnected; reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closed || this.provider.isConnected) return;
      this.provider.connect().catch(() => this.scheduleReconnect());
    }, delay);
    this.reconnectTimer.unref();
  }
}
