import type { Codec } from '@polkadot/types/types';

const RAO_PER_TAO = 1e9;
const U64_MAX = (1n << 64n) - 1n;
const ROOT_NETUID = 0;

/** The part of ChainClient a stake reader needs. */
export interface StakeSource {
  hasStorage(method: string): boolean;
  multi(what: string, method: string, args: unknown[]): Promise<Codec[]>;
  call<T>(what: string, run: () => Promise<T>): Promise<T>;
  query(method: string): (...args: unknown[]) => Promise<Codec>;
}

/** Reads each hotkey's stake in TAO, the way the runtime stores it. */
export interface StakeReader {
  source: 'pre-dtao' | 'post-dtao';
  read(netuid: number, hotkeys: readonly string[]): Promise<number[]>;
}

/**
 * Picks the stake storage the node's metadata offers:
 * - pre-dTAO: `TotalHotkeyStake(hotkey)` in rao, what bittensor 8's `metagraph.S` shows.
 * - post-dTAO: `TotalHotkeyAlpha(hotkey, netuid) + TotalHotkeyAlpha(hotkey, 0) × TaoWeight`,
 *   i.e. subnet alpha plus root stake weighted by the chain's `TaoWeight` (a share of
 *   u64::MAX): the chain's `total_stake` that bittensor 9's `metagraph.S` reads, minus
 *   childkey inheritance (parent/child stake delegation), which we do not follow.
 */
export function stakeReaderFor(chain: StakeSource): StakeReader {
  if (chain.hasStorage('totalHotkeyStake')) {
    return {
      source: 'pre-dtao',
      read: async (_netuid, hotkeys) => (await chain.multi('TotalHotkeyStake', 'totalHotkeyStake', [...hotkeys])).map(raoToTao),
    };
  }
  if (chain.hasStorage('totalHotkeyAlpha')) {
    return {
      source: 'post-dtao',
      read: async (netuid, hotkeys) => {
        const alpha = await chain.multi('TotalHotkeyAlpha', 'totalHotkeyAlpha', hotkeys.map((h) => [h, netuid]));
        const root = netuid === ROOT_NETUID ? [] : await chain.multi('TotalHotkeyAlpha(root)', 'totalHotkeyAlpha', hotkeys.map((h) => [h, ROOT_NETUID]));
        const weight = chain.hasStorage('taoWeight') ? BigInt((await chain.call('TaoWeight', () => chain.query('taoWeight')())).toString()) : 0n;
        return alpha.map((a, uid) => {
          const rootRao = root[uid] ? BigInt(root[uid].toString()) : 0n;
          return Number(BigInt(a.toString()) + (rootRao * weight) / U64_MAX) / RAO_PER_TAO;
        });
      },
    };
  }
  throw new Error('the runtime has neither SubtensorModule.TotalHotkeyStake nor TotalHotkeyAlpha; cannot read stake');
}

function raoToTao(value: Codec): number {
  return Number(BigInt(value.toString())) / RAO_PER_TAO;
}
