import type { Codec } from '@polkadot/types/types';
import { RpcError, type ChainState } from './chain-state.js';

type Hex = `0x${string}`;

/** Sends one subscription notification; the server knows the socket and id. */
export type Notify = (result: unknown) => void;

/** A subscription method: answers the first result and returns a cleanup. */
export interface Subscription {
  /** Notification method name, as @polkadot/rpc-provider routes it (`chain_newHead`). */
  notification: string;
  start(params: unknown[], notify: Notify): () => void;
}

/**
 * The Substrate JSON-RPC methods @polkadot/api uses to connect, read storage, follow
 * heads and submit extrinsics, answered from a ChainState.
 */
export function plainMethods(state: ChainState): Record<string, (params: unknown[]) => unknown> {
  const header = (hash?: unknown): unknown => {
    const block = typeof hash === 'string' ? state.blockByHash(hash as Hex) : state.blockByNumber(state.bestNumber);
    return block ? headerJson(block.header, block.number) : null;
  };
  const methods: Record<string, (params: unknown[]) => unknown> = {
    system_chain: () => state.blob.chainName,
    system_name: () => 'condense-devnet',
    system_version: () => '0.1.0',
    system_properties: () => ({ ss58Format: 42, tokenDecimals: 9, tokenSymbol: 'TAO' }),
    system_health: () => ({ peers: 0, isSyncing: false, shouldHavePeers: false }),
    system_chainType: () => 'Development',
    system_accountNextIndex: ([address]) => state.accountNextIndex(String(address)),
    chain_getBlockHash: ([n]) => {
      const number = n === undefined || n === null ? state.bestNumber : Number(n);
      return state.blockByNumber(number)?.hash ?? null;
    },
    chain_getHeader: ([hash]) => header(hash),
    chain_getFinalizedHead: () => state.bestHash,
    chain_getBlock: ([hash]) => {
      const block = typeof hash === 'string' ? state.blockByHash(hash as Hex) : state.blockByNumber(state.bestNumber);
      return block ? { block: { header: headerJson(block.header, block.number), extrinsics: block.extrinsics }, justifications: null } : null;
    },
    state_getRuntimeVersion: () => runtimeVersion(state),
    state_getMetadata: () => state.blob.metadata,
    // Only metadata v14 is shipped; @polkadot/api then falls back to state_getMetadata.
    state_call: ([name]) => {
      if (name === 'Metadata_metadata_versions') return '0x040e000000';
      throw new RpcError(-32000, `Client error: Execution failed: runtime API ${String(name)} is not served by the stand-in`);
    },
    state_getStorage: ([key, at]) => state.getStorage(key as Hex, at as Hex | undefined),
    state_getStorageAt: ([key, at]) => state.getStorage(key as Hex, at as Hex | undefined),
    state_queryStorageAt: ([keys, at]) => [
      { block: (at as Hex | undefined) ?? state.bestHash, changes: (keys as Hex[]).map((k) => [k, state.getStorage(k, at as Hex | undefined)]) },
    ],
    state_getKeysPaged: ([prefix, count, startKey]) => state.keysPaged(prefix as Hex, Number(count), (startKey as Hex | undefined) ?? undefined),
    payment_queryInfo: () => ({ weight: { ref_time: 1_000_000, proof_size: 0 }, class: 'normal', partialFee: '0' }),
    author_submitExtrinsic: ([hex]) => state.submit(hex as Hex).hash,
  };
  return methods;
}

/** Subscription methods, by subscribe name (with the singular aliases @polkadot/api uses). */
export function subscriptionMethods(state: ChainState): Record<string, Subscription> {
  const heads = (notification: string): Subscription => ({
    notification,
    start: (_params, notify) => {
      const send = (n: number): void => {
        const block = state.blockByNumber(n);
        if (block) notify(headerJson(block.header, block.number));
      };
      send(state.bestNumber);
      state.on('block', send);
      return () => state.off('block', send);
    },
  });
  const storage: Subscription = {
    notification: 'state_storage',
    start: ([keys], notify) => {
      const send = (): void => notify({ block: state.bestHash, changes: ((keys as Hex[] | undefined) ?? []).map((k) => [k, state.getStorage(k)]) });
      send();
      state.on('block', send);
      state.on('changed', send);
      return () => {
        state.off('block', send);
        state.off('changed', send);
      };
    },
  };
  const runtime: Subscription = {
    notification: 'state_runtimeVersion',
    start: (_params, notify) => {
      notify(runtimeVersion(state));
      return () => {};
    },
  };
  // The extrinsic is applied in a new block at once, so it is in that block and final.
  const watch: Subscription = {
    notification: 'author_extrinsicUpdate',
    start: ([hex], notify) => {
      const applied = state.submit(hex as Hex);
      queueMicrotask(() => {
        notify('ready');
        notify({ inBlock: applied.blockHash });
        notify({ finalized: applied.blockHash });
      });
      return () => {};
    },
  };
  return {
    chain_subscribeNewHead: heads('chain_newHead'),
    chain_subscribeNewHeads: heads('chain_newHead'),
    chain_subscribeFinalizedHeads: heads('chain_finalizedHead'),
    chain_subscribeFinalisedHeads: heads('chain_finalizedHead'),
    chain_subscribeAllHeads: heads('chain_allHead'),
    state_subscribeStorage: storage,
    state_subscribeRuntimeVersion: runtime,
    chain_subscribeRuntimeVersion: runtime,
    author_submitAndWatchExtrinsic: watch,
  };
}

/** Names of the unsubscribe methods (all answer `true`). */
export const UNSUBSCRIBE_METHODS = [
  'chain_unsubscribeNewHead',
  'chain_unsubscribeNewHeads',
  'chain_unsubscribeFinalizedHeads',
  'chain_unsubscribeFinalisedHeads',
  'chain_unsubscribeAllHeads',
  'state_unsubscribeStorage',
  'state_unsubscribeRuntimeVersion',
  'chain_unsubscribeRuntimeVersion',
  'author_unwatchExtrinsic',
];

function runtimeVersion(state: ChainState): unknown {
  return {
    specName: state.blob.specName,
    implName: state.blob.specName,
    authoringVersion: 1,
    specVersion: state.blob.specVersion,
    implVersion: 1,
    // Only the Metadata runtime API (id = blake2_64("Metadata")), answered by state_call above.
    apis: [['0x37e397fc7c91f5e4', 2]],
    transactionVersion: state.blob.txVersion,
    stateVersion: 1,
  };
}

// Header JSON as a node sends it: hex number, digest logs as hex.
function headerJson(header: Codec, number: number): unknown {
  const json = header.toJSON() as Record<string, unknown>;
  return { ...json, number: `0x${number.toString(16)}` };
}
