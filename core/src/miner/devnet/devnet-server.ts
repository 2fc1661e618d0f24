import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '@neural-condense/sdk';
import { silentLogger } from '@neural-condense/sdk';
import { ChainState, RpcError, type ChainStateOptions } from './chain-state.js';
import { UNSUBSCRIBE_METHODS, plainMethods, subscriptionMethods } from './rpc-methods.js';

/** Options of the loopback chain stand-in. */
export interface DevnetServerOptions extends ChainStateOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Always 127.0.0.1 unless told otherwise. */
  host?: string;
  logger?: Logger;
}

interface JsonRpcRequest {
  id?: number | string;
  method?: string;
  params?: unknown[];
}

/**
 * A JSON-RPC-over-WebSocket Subtensor stand-in on loopback: enough of a node for
 * @polkadot/api to connect, read SubtensorModule storage and submit `serve_axon`.
 * The state survives `stop()`/`start()`, so tests can simulate a node restart.
 */
export class DevnetServer {
  readonly state: ChainState;
  private readonly plain: ReturnType<typeof plainMethods>;
  private readonly subs: ReturnType<typeof subscriptionMethods>;
  private readonly logger: Logger;
  private server: WebSocketServer | undefined;
  private nextSubscription = 1;
  private frozen = false;
  private boundPort: number;
  private readonly host: string;
  /** Calls received by method name, for tests and `--verbose`. */
  readonly calls = new Map<string, number>();

  constructor(options: DevnetServerOptions = {}) {
    this.state = new ChainState(options);
    this.plain = plainMethods(this.state);
    this.subs = subscriptionMethods(this.state);
    this.logger = options.logger ?? silentLogger;
    this.boundPort = options.port ?? 0;
    this.host = options.host ?? '127.0.0.1';
  }

  /** ws://host:port once started. */
  get url(): string {
    return `ws://${this.host}:${this.boundPort}`;
  }

  /** The bound port (after start). */
  get port(): number {
    return this.boundPort;
  }

  /** Listens (again, on the same port after a stop). */
  async start(): Promise<this> {
    const server = new WebSocketServer({ host: this.host, port: this.boundPort, maxPayload: 16 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    this.boundPort = (server.address() as AddressInfo).port;
    server.on('connection', (socket) => this.accept(socket));
    this.server = server;
    this.frozen = false;
    return this;
  }

  /** Closes every connection and stops listening; the chain state is kept. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Keeps sockets open but stops answering: what a stale public endpoint looks like. */
  freeze(frozen = true): void {
    this.frozen = frozen;
  }

  private accept(socket: WebSocket): void {
    const cleanups = new Map<string, () => void>();
    socket.on('close', () => {
      for (const cleanup of cleanups.values()) cleanup();
      cleanups.clear();
    });
    socket.on('message', (data) => {
      if (this.frozen) return;
      let request: JsonRpcRequest;
      try {
        request = JSON.parse(data.toString()) as JsonRpcRequest;
      } catch {
        socket.send(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }));
        return;
      }
      this.handle(socket, request, cleanups);
    });
  }

  private handle(socket: WebSocket, request: JsonRpcRequest, cleanups: Map<string, () => void>): void {
    const method = request.method ?? '';
    const params = request.params ?? [];
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    const reply = (body: Record<string, unknown>): void => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ jsonrpc: '2.0', id: request.id, ...body }));
    };
    try {
      if (method === 'rpc_methods') {
        reply({ result: { version: 1, methods: [...Object.keys(this.plain), ...Object.keys(this.subs), ...UNSUBSCRIBE_METHODS, 'rpc_methods'] } });
        return;
      }
      const plain = this.plain[method];
      if (plain) {
        reply({ result: plain(params) ?? null });
        return;
      }
      if (UNSUBSCRIBE_METHODS.includes(method)) {
        const id = String(params[0]);
        cleanups.get(id)?.();
        reply({ result: cleanups.delete(id) });
        return;
      }
      const sub = this.subs[method];
      if (sub) {
        const id = `devnet-${this.nextSubscription++}`;
        // Notifications raised while starting wait until the client has the subscription id.
        const pending: unknown[] = [];
        let live = false;
        const send = (result: unknown): void => {
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ jsonrpc: '2.0', method: sub.notification, params: { subscription: id, result } }));
        };
        const cleanup = sub.start(params, (result) => (live ? send(result) : pending.push(result)));
        cleanups.set(id, cleanup);
        reply({ result: id });
        live = true;
        for (const result of pending) send(result);
        return;
      }
      this.logger.debug({ method }, 'devnet: method not served');
      reply({ error: { code: -32601, message: `Method not found: ${method}` } });
    } catch (error) {
      if (error instanceof RpcError) reply({ error: { code: error.code, message: error.message, ...(error.data ? { data: error.data } : {}) } });
      else reply({ error: { code: -32603, message: error instanceof Error ? error.message : String(error) } });
    }
  }
}
