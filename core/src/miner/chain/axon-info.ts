import { isIP } from 'node:net';
import { AXON_VERSION } from '../protocol/version.js';

/** `AxonInfo` as stored in `SubtensorModule.Axons` (spec §4.4). */
export interface AxonInfo {
  /** Block at which it was last served; 0 = never. */
  block: number;
  version: number;
  /** IPv4 as a big-endian u32 value, IPv6 as a 128-bit value. */
  ip: bigint;
  port: number;
  ipType: number;
  protocol: number;
}

/** What this miner wants on chain: derived from `--axon.external_ip/--axon.external_port`. */
export interface AxonTarget {
  ip: string;
  port: number;
  version: number;
}

/** The `version` posted with `serve_axon`: the same `version_as_int` the axon sends in its headers. */
export const AXON_VERSION_AS_INT = AXON_VERSION;
/** `protocol` value bittensor posts in `serve_axon`. */
export const AXON_PROTOCOL = 4;

/** An IP address as the integer `serve_axon` takes, with its type (4 or 6). */
export function ipToInt(ip: string): { ip: bigint; ipType: 4 | 6 } {
  const kind = isIP(ip);
  if (kind === 4) return { ip: ip.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n), ipType: 4 };
  if (kind === 6) return { ip: ipv6ToBigInt(ip), ipType: 6 };
  throw new Error(`'${ip}' is not an IPv4 or IPv6 address; set --axon.external_ip to this machine's public address`);
}

/** The dotted/colon form of an on-chain ip integer. */
export function intToIp(ip: bigint, ipType: number): string {
  if (ipType === 4) return [24n, 16n, 8n, 0n].map((shift) => String((ip >> shift) & 0xffn)).join('.');
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((ip >> shift) & 0xffffn).toString(16));
  return groups.join(':');
}

function ipv6ToBigInt(ip: string): bigint {
  let text = ip;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipToInt(v4[1]!).ip;
    text = `${text.slice(0, v4.index)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(zeros).fill('0'), ...tailGroups];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

/** True when what is on chain already advertises `target` (so `serve_axon` would be wasted). */
export function axonMatches(onChain: AxonInfo | undefined, target: AxonTarget): boolean {
  if (!onChain) return false;
  const { ip, ipType } = ipToInt(target.ip);
  return onChain.ip === ip && onChain.ipType === ipType && onChain.port === target.port && onChain.version === target.version && onChain.protocol === AXON_PROTOCOL;
}

/** Human-readable `ip:port (vN, block B)` of an on-chain axon, for logs. */
export function describeAxon(info: AxonInfo | undefined): string {
  if (!info) return 'nothing served';
  const host = info.ipType === 6 ? `[${intToIp(info.ip, 6)}]` : intToIp(info.ip, 4);
  return `${host}:${info.port} (version ${info.version}, served at block ${info.block})`;
}
