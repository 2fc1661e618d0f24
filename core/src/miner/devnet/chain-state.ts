import { EventEmitter } from 'node:events';
import { Metadata, TypeRegistry, expandMetadata } from '@polkadot/types';
import type { GenericExtrinsic } from '@polkadot/types';
import type { DecoratedMeta } from '@polkadot/types/metadata/decorate/types';
import type { Codec } from '@polkadot/types/types';
import { unwrapStorageType } from '@polkadot/types/util';
import { compactStripLength, compactToU8a, hexToU8a, stringCamelCase, u8aConcat, u8aToHex, bnToU8a } from '@polkadot/util';
import { blake2AsU8a, signatureVerify } from '@polkadot/util-crypto';
import { SUBTENSOR_SIGNED_EXTENSIONS } from '../chain/signed-extensions.js';
import { loadRuntimeBlob, type ChainShape, type RuntimeBlob } from './metadata-blobs.js';

type Hex = `0x${string}`;
const RAO_PER_TAO = 1_000_000_000n;
const U64_MAX = (1n << 64n) - 1n;

/** A neuron to register on the stand-in. */
export interface NeuronSpec {
  hotkey: string;
  /** Defaults to the hotkey. */
  coldkey?: string;
  /** Stake in TAO (pre-dTAO `TotalHotkeyStake`, post-dTAO `TotalHotkeyAlpha` on the subnet). */
  stakeTao: number;
  /** Defaults to stake > 0. */
  validatorPermit?: boolean;
}

/** The decoded arguments of one applied `serve_axon`, and who signed it. */
export interface ServedAxon {
  signer: string;
  block: number;
  netuid: number;
  version: number;
  ip: bigint;
  port: number;
  ipType: number;
  protocol: number;
  placeholder1: number;
  placeholder2: number;
}

/** A JSON-RPC error the stand-in answers with (codes as a Substrate node uses them). */
export class RpcError extends Error {
  constructor(readonly code: number, message: string, readonly data?: string) {
    super(message);
  }
}

interface Block {
  number: number;
  hash: Hex;
  header: Codec;
  extrinsics: Hex[];
  events: Hex;
}

/** Outcome of one submitted extrinsic, once it is in a block. */
export interface AppliedExtrinsic {
  hash: Hex;
  blockHash: Hex;
  /** Module error name when dispatch failed (e.g. `ServingRateLimitExceeded`). */
  error?: string;
}

export interface ChainStateOptions {
  shape?: ChainShape;
  /** The real chain refuses 127.0.0.1 and private-use checks; `true` lets a local miner post loopback. */
  allowLoopbackIp?: boolean;
  /** Initial `ServingRateLimit` of new subnets (chain default 50). */
  servingRateLimit?: number;
  /** Post-dTAO `TaoWeight` as a fraction (stored as a share of u64::MAX). */
  taoWeight?: number;
}

/**
 * The state of a tiny Subtensor: real runtime metadata, a storage map whose values are
 * SCALE-encoded through @polkadot/types, a block list, and `serve_axon` applied to the
 * state exactly as the pallet validates it. Emits `block` for each new block and `changed`
 * when a test or the devnet command edits neurons or limits between blocks.
 */
export class ChainState extends EventEmitter<{ block: [number]; changed: [] }> {
  readonly blob: RuntimeBlob;
  readonly registry = new TypeRegistry();
  readonly metadata: Metadata;
  readonly decorated: DecoratedMeta;
  readonly served: ServedAxon[] = [];
  readonly allowLoopbackIp: boolean;
  private readonly storage = new Map<Hex, Hex>();
  private readonly blocks: Block[] = [];
  private readonly nonces = new Map<string, number>();
  private readonly neurons = new Map<number, string[]>();
  private readonly servingRateLimit: number;

  constructor(options: ChainStateOptions = {}) {
    super();
    this.blob = loadRuntimeBlob(options.shape ?? 'post-dtao');
    this.metadata = new Metadata(this.registry, this.blob.metadata);
    this.registry.setMetadata(this.metadata, undefined, SUBTENSOR_SIGNED_EXTENSIONS);
    this.decorated = expandMetadata(this.registry, this.metadata);
    this.allowLoopbackIp = options.allowLoopbackIp ?? false;
    this.servingRateLimit = options.servingRateLimit ?? 50;
    if (this.shape === 'post-dtao') this.write('subtensorModule', 'taoWeight', [], floatToU64Share(options.taoWeight ?? 0.18));
    this.blocks.push(this.makeBlock(0, [], '0x00'));
    this.blocks[0]!.hash = this.blob.genesisHash;
    this.produceBlock();
  }

  /** `pre-dtao` or `post-dtao`. */
  get shape(): ChainShape {
    return this.blob.shape;
  }

  /** The best block number. */
  get bestNumber(): number {
    return this.blocks.length - 1;
  }

  /** The best block's hash. */
  get bestHash(): Hex {
    return this.blocks[this.bestNumber]!.hash;
  }

  /** The storage key of an item, 0x hex. */
  storageKey(section: string, method: string, args: unknown[]): Hex {
    const entry = this.entry(section, method);
    return u8aToHex(compactStripLength(entry(...args))[1]);
  }

  /** Writes an item (value encoded with its metadata type); `undefined` removes it. */
  write(section: string, method: string, args: unknown[], value: unknown): void {
    const entry = this.entry(section, method);
    const key = u8aToHex(compactStripLength(entry(...args))[1]);
    if (value === undefined) this.storage.delete(key);
    else this.storage.set(key, u8aToHex(this.registry.createType(unwrapStorageType(this.registry, entry.meta.type), value).toU8a()));
  }

  /** Reads and decodes an item, or undefined when absent. */
  read(section: string, method: string, args: unknown[]): Codec | undefined {
    const entry = this.entry(section, method);
    const raw = this.storage.get(u8aToHex(compactStripLength(entry(...args))[1]));
    // Bytes, not the hex string: createType reads a hex string as a big-endian number.
    return raw === undefined ? undefined : this.registry.createType(unwrapStorageType(this.registry, entry.meta.type), hexToU8a(raw));
  }

  /** Raw storage value by key; System.Events of an older block when `at` names one. */
  getStorage(key: Hex, at?: Hex): Hex | null {
    if (at && key === this.storageKey('system', 'events', [])) return this.blockByHash(at)?.events ?? null;
    return this.storage.get(key) ?? null;
  }

  /** Keys starting with `prefix`, sorted, after `startKey`. */
  keysPaged(prefix: Hex, count: number, startKey?: Hex): Hex[] {
    return [...this.storage.keys()]
      .filter((k) => k.startsWith(prefix) && (!startKey || k > startKey))
      .sort()
      .slice(0, count);
  }

  /** A block by number. */
  blockByNumber(n: number): Block | undefined {
    return this.blocks[n];
  }

  /** A block by hash. */
  blockByHash(hash: Hex): Block | undefined {
    return this.blocks.find((b) => b.hash === hash);
  }

  /** Creates the subnet if needed and registers a neuron at the next uid; returns the uid. */
  registerNeuron(netuid: number, neuron: NeuronSpec): number {
    const list = this.subnet(netuid);
    const uid = list.length;
    list.push(neuron.hotkey);
    this.placeNeuron(netuid, uid, neuron);
    this.emit('changed');
    return uid;
  }

  /** Puts `neuron` at `uid`, deregistering whoever held it (their axon is cleared). */
  replaceNeuron(netuid: number, uid: number, neuron: NeuronSpec): void {
    const list = this.subnet(netuid);
    const old = list[uid];
    if (old === undefined) throw new Error(`netuid ${netuid} has no uid ${uid}`);
    this.write('subtensorModule', 'uids', [netuid, old], undefined);
    this.write('subtensorModule', 'isNetworkMember', [old, netuid], undefined);
    this.write('subtensorModule', 'axons', [netuid, old], undefined);
    list[uid] = neuron.hotkey;
    this.placeNeuron(netuid, uid, neuron);
    this.emit('changed');
  }

  /** Sets a hotkey's stake in TAO on the subnet. */
  setStake(netuid: number, hotkey: string, coldkey: string, stakeTao: number): void {
    const rao = taoToRao(stakeTao);
    if (this.shape === 'pre-dtao') {
      this.write('subtensorModule', 'totalHotkeyStake', [hotkey], rao);
      this.write('subtensorModule', 'stake', [hotkey, coldkey], rao);
    } else {
      this.write('subtensorModule', 'totalHotkeyAlpha', [hotkey, netuid], rao);
    }
    this.emit('changed');
  }

  /** Post-dTAO: a hotkey's root (netuid 0) stake in TAO, weighted by `TaoWeight` into subnet stake. */
  setRootStake(hotkey: string, stakeTao: number): void {
    if (this.shape !== 'post-dtao') throw new Error('root stake is a post-dTAO concept');
    this.write('subtensorModule', 'totalHotkeyAlpha', [hotkey, 0], taoToRao(stakeTao));
    this.emit('changed');
  }

  /** Sets `ServingRateLimit(netuid)` in blocks. */
  setServingRateLimit(netuid: number, blocks: number): void {
    this.write('subtensorModule', 'servingRateLimit', [netuid], blocks);
    this.emit('changed');
  }

  /** Produces `count` empty blocks. */
  advanceBlocks(count: number): void {
    for (let i = 0; i < count; i++) this.produceBlock();
  }

  /** Next nonce of an account. */
  accountNextIndex(address: string): number {
    return this.nonces.get(address) ?? 0;
  }

  /**
   * Decodes, checks and applies a signed extrinsic in a new block. Throws RpcError for
   * what a node refuses at submission (undecodable, unsigned, bad signature, bad nonce).
   */
  submit(hex: Hex): AppliedExtrinsic {
    let ext: GenericExtrinsic;
    try {
      ext = this.registry.createType('Extrinsic', hex);
    } catch (error) {
      throw new RpcError(1002, 'Verification Error: Runtime error: Could not decode extrinsic', String(error));
    }
    if (!ext.isSigned) throw new RpcError(1010, 'Invalid Transaction', 'the stand-in accepts signed extrinsics only');
    const signer = ext.signer.toString();
    if (!this.verifySignature(ext)) throw new RpcError(1010, 'Invalid Transaction', 'Transaction has a bad signature');
    const nonce = ext.nonce.toNumber();
    const expected = this.accountNextIndex(signer);
    if (nonce < expected) throw new RpcError(1010, 'Invalid Transaction', 'Transaction is outdated');
    if (nonce > expected) throw new RpcError(1010, 'Invalid Transaction', 'Transaction will be valid in the future');
    const { section, method } = ext.method;
    if (section !== 'subtensorModule' || method !== 'serveAxon') {
      throw new RpcError(1010, 'Invalid Transaction', `the stand-in applies only SubtensorModule.serve_axon, not ${section}.${method}`);
    }
    this.nonces.set(signer, expected + 1);
    const blockNumber = this.bestNumber + 1;
    const error = this.applyServeAxon(signer, ext, blockNumber);
    const events = error
      ? [this.event('system', 'ExtrinsicFailed', [{ Module: this.moduleError('SubtensorModule', error) }, DISPATCH_INFO])]
      : [this.event('subtensorModule', 'AxonServed', ext.method.args[0] ? [ext.method.args[0], signer] : []), this.event('system', 'ExtrinsicSuccess', [DISPATCH_INFO])];
    const block = this.produceBlock([hex], events);
    return { hash: ext.hash.toHex(), blockHash: block.hash, ...(error ? { error } : {}) };
  }

  private verifySignature(ext: GenericExtrinsic): boolean {
    const sig = ext.inner.signature as unknown as {
      era: { isImmortalEra: boolean; asMortalEra: { birth(current: number): number } };
      createPayload(method: unknown, options: Record<string, unknown>): { toU8a(opts: { method: true }): Uint8Array };
      mode?: Codec;
      signature: Codec;
      nonce: Codec;
      tip: Codec;
    };
    const birth = sig.era.isImmortalEra ? 0 : sig.era.asMortalEra.birth(this.bestNumber);
    const blockHash = birth === 0 ? this.blob.genesisHash : this.blocks[birth]?.hash;
    if (!blockHash) return false;
    const payload = sig.createPayload(ext.method, {
      blockHash,
      era: sig.era,
      genesisHash: this.blob.genesisHash,
      nonce: sig.nonce,
      tip: sig.tip,
      mode: sig.mode,
      runtimeVersion: { specVersion: this.blob.specVersion, transactionVersion: this.blob.txVersion },
    });
    const raw = payload.toU8a({ method: true });
    const message = raw.length > 256 ? blake2AsU8a(raw) : raw;
    return signatureVerify(message, sig.signature.toU8a(), ext.signer.toString()).isValid;
  }

  // Mirrors pallet-subtensor's do_serve_axon checks (spec §4.5); returns the error name.
  private applyServeAxon(signer: string, ext: GenericExtrinsic, blockNumber: number): string | undefined {
    const names = ext.method.meta.args.map((a) => stringCamelCase(a.name.toString()));
    const arg = (name: string): bigint => BigInt(ext.method.args[names.indexOf(name)]!.toString());
    const call = {
      netuid: Number(arg('netuid')),
      version: Number(arg('version')),
      ip: arg('ip'),
      port: Number(arg('port')),
      ipType: Number(arg('ipType')),
      protocol: Number(arg('protocol')),
      placeholder1: Number(arg('placeholder1')),
      placeholder2: Number(arg('placeholder2')),
    };
    const registered = [...this.neurons.values()].some((hotkeys) => hotkeys.includes(signer));
    if (!registered) return 'HotKeyNotRegisteredInNetwork';
    if (call.ipType !== 4 && call.ipType !== 6) return 'InvalidIpType';
    if (!this.validIp(call.ipType, call.ip)) return 'InvalidIpAddress';
    if (call.port === 0) return 'InvalidPort';
    const prev = this.read('subtensorModule', 'axons', [call.netuid, signer]) as unknown as { block: Codec } | undefined;
    const prevBlock = prev ? Number(prev.block.toString()) : 0;
    const limit = Number(this.read('subtensorModule', 'servingRateLimit', [call.netuid])?.toString() ?? '0');
    if (!(limit === 0 || prevBlock === 0 || blockNumber - prevBlock >= limit)) return 'ServingRateLimitExceeded';
    this.write('subtensorModule', 'axons', [call.netuid, signer], {
      block: blockNumber,
      version: call.version,
      ip: call.ip,
      port: call.port,
      ipType: call.ipType,
      protocol: call.protocol,
      placeholder1: call.placeholder1,
      placeholder2: call.placeholder2,
    });
    this.served.push({ signer, block: blockNumber, ...call });
    return undefined;
  }

  private validIp(ipType: number, ip: bigint): boolean {
    if (ipType === 4) return ip !== 0n && ip < 0xffffffffn && (this.allowLoopbackIp || ip !== 0x7f000001n);
    return ip !== 0n && ip !== (1n << 128n) - 1n && (this.allowLoopbackIp || ip !== 1n);
  }

  private subnet(netuid: number): string[] {
    let list = this.neurons.get(netuid);
    if (!list) {
      list = [];
      this.neurons.set(netuid, list);
      this.write('subtensorModule', 'networksAdded', [netuid], true);
      this.write('subtensorModule', 'tempo', [netuid], 360);
      this.setServingRateLimit(netuid, this.servingRateLimit);
    }
    return list;
  }

  private placeNeuron(netuid: number, uid: number, neuron: NeuronSpec): void {
    const list = this.subnet(netuid);
    const coldkey = neuron.coldkey ?? neuron.hotkey;
    this.write('subtensorModule', 'uids', [netuid, neuron.hotkey], uid);
    this.write('subtensorModule', 'keys', [netuid, uid], neuron.hotkey);
    this.write('subtensorModule', 'isNetworkMember', [neuron.hotkey, netuid], true);
    this.write('subtensorModule', 'owner', [neuron.hotkey], coldkey);
    this.write('subtensorModule', 'subnetworkN', [netuid], list.length);
    this.setStake(netuid, neuron.hotkey, coldkey, neuron.stakeTao);
    const permits = (this.read('subtensorModule', 'validatorPermit', [netuid])?.toJSON() as boolean[] | undefined) ?? [];
    const next = list.map((_, i) => permits[i] ?? false);
    next[uid] = neuron.validatorPermit ?? neuron.stakeTao > 0;
    this.write('subtensorModule', 'validatorPermit', [netuid], next);
  }

  private entry(section: string, method: string) {
    const entry = this.decorated.query[section]?.[method];
    if (!entry) throw new Error(`${section}.${method} is not in the ${this.shape} metadata`);
    return entry;
  }

  private produceBlock(extrinsics: Hex[] = [], events: Uint8Array[] = []): Block {
    const encodedEvents = u8aToHex(u8aConcat(compactToU8a(events.length), ...events));
    const block = this.makeBlock(this.blocks.length, extrinsics, encodedEvents);
    this.blocks.push(block);
    this.write('system', 'number', [], block.number);
    this.storage.set(this.storageKey('system', 'events', []), encodedEvents);
    this.emit('block', block.number);
    return block;
  }

  private makeBlock(number: number, extrinsics: Hex[], events: Hex): Block {
    const parentHash = number === 0 ? u8aToHex(new Uint8Array(32)) : this.blocks[number - 1]!.hash;
    const extrinsicsRoot = u8aToHex(blake2AsU8a(u8aConcat(...extrinsics.map((x) => Buffer.from(x.slice(2), 'hex')))));
    const header = this.registry.createType('Header', { parentHash, number, stateRoot: u8aToHex(blake2AsU8a(events)), extrinsicsRoot, digest: { logs: [] } });
    return { number, hash: header.hash.toHex(), header, extrinsics, events };
  }

  // An EventRecord: phase ApplyExtrinsic(0), the runtime event enum (pallet index, variant index, fields), no topics.
  private event(section: string, name: string, values: unknown[]): Uint8Array {
    const meta = this.decorated.events[section]?.[name]?.meta;
    const pallet = this.metadata.asLatest.pallets.find((p) => stringCamelCase(p.name.toString()) === section);
    if (!meta || !pallet) throw new Error(`event ${section}.${name} is not in the metadata`);
    const fields = meta.fields.map((f, i) => this.registry.createType(this.registry.createLookupType(f.type), values[i]).toU8a());
    return u8aConcat(new Uint8Array([0]), bnToU8a(0, { bitLength: 32 }), new Uint8Array([pallet.index.toNumber(), meta.index.toNumber()]), ...fields, new Uint8Array([0]));
  }

  private moduleError(pallet: string, name: string): { index: number; error: Hex } {
    const p = this.metadata.asLatest.pallets.find((x) => x.name.toString() === pallet);
    const meta = this.decorated.errors[stringCamelCase(pallet)]?.[name]?.meta;
    if (!p || !meta) throw new Error(`error ${pallet}.${name} is not in the metadata`);
    return { index: p.index.toNumber(), error: u8aToHex(new Uint8Array([meta.index.toNumber(), 0, 0, 0])) };
  }
}

const DISPATCH_INFO = { weight: { refTime: 1_000_000, proofSize: 0 }, class: 'Normal', paysFee: 'Yes' };

function taoToRao(tao: number): bigint {
  // Through a fixed 9-decimal string so 0.1 TAO is exactly 100000000 rao.
  const [whole, frac = ''] = tao.toFixed(9).split('.');
  return BigInt(whole!) * RAO_PER_TAO + BigInt(frac.padEnd(9, '0'));
}

function floatToU64Share(fraction: number): bigint {
  return (BigInt(Math.round(fraction * 1e9)) * U64_MAX) / 1_000_000_000n;
}
