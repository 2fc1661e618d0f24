import { describe, expect, it } from 'vitest';
import { AXON_VERSION_AS_INT, axonMatches, intToIp, ipToInt } from './axon-info.js';
import { resolveChainEndpoint } from './endpoints.js';

describe('axon-info', () => {
  it('encodes IPv4 as the big-endian integer netaddr gives (spec §4.5: 1.2.3.4 -> 16909060)', () => {
    expect(ipToInt('1.2.3.4')).toEqual({ ip: 16909060n, ipType: 4 });
    expect(ipToInt('255.255.255.254').ip).toBe(4294967294n);
    expect(intToIp(16909060n, 4)).toBe('1.2.3.4');
  });

  it('encodes IPv6, including :: and an IPv4 tail', () => {
    expect(ipToInt('::1')).toEqual({ ip: 1n, ipType: 6 });
    expect(ipToInt('2001:db8::1').ip).toBe((0x2001n << 112n) | (0xdb8n << 96n) | 1n);
    expect(ipToInt('::ffff:1.2.3.4').ip).toBe((0xffffn << 32n) | 16909060n);
    expect(intToIp((0x2001n << 112n) | 1n, 6)).toBe('2001:0:0:0:0:0:0:1');
  });

  it('refuses a host name with a message naming the flag', () => {
    expect(() => ipToInt('miner.example.com')).toThrow(/--axon.external_ip/);
  });

  it('posts the version the axon advertises: bittensor 9.0.0 as version_as_int (spec §6)', () => {
    expect(AXON_VERSION_AS_INT).toBe(9_000_000);
  });

  it('matches only when ip, port, version and protocol all agree', () => {
    const onChain = { block: 7, version: 9000000, ip: 16909060n, port: 8091, ipType: 4, protocol: 4 };
    expect(axonMatches(onChain, { ip: '1.2.3.4', port: 8091, version: 9000000 })).toBe(true);
    expect(axonMatches(onChain, { ip: '1.2.3.4', port: 8092, version: 9000000 })).toBe(false);
    expect(axonMatches(onChain, { ip: '1.2.3.5', port: 8091, version: 9000000 })).toBe(false);
    expect(axonMatches(onChain, { ip: '1.2.3.4', port: 8091, version: 8004003 })).toBe(false);
    expect(axonMatches(undefined, { ip: '1.2.3.4', port: 8091, version: 9000000 })).toBe(false);
  });
});

describe('resolveChainEndpoint', () => {
  it('maps network names to bittensor endpoints; the explicit endpoint wins', () => {
    expect(resolveChainEndpoint('finney')).toBe('wss://entrypoint-finney.opentensor.ai:443');
    expect(resolveChainEndpoint('test')).toBe('wss://test.finney.opentensor.ai:443');
    expect(resolveChainEndpoint('local', undefined, {})).toBe('ws://127.0.0.1:9944');
    expect(resolveChainEndpoint('local', undefined, { BT_SUBTENSOR_CHAIN_ENDPOINT: 'ws://10.0.0.2:9944' })).toBe('ws://10.0.0.2:9944');
    expect(resolveChainEndpoint('finney', 'ws://127.0.0.1:1234')).toBe('ws://127.0.0.1:1234');
    expect(resolveChainEndpoint('wss://node.example:443')).toBe('wss://node.example:443');
  });

  it('names the flag when the value is wrong', () => {
    expect(() => resolveChainEndpoint('mainnet')).toThrow(/unknown --subtensor.network 'mainnet'/);
    expect(() => resolveChainEndpoint('finney', 'http://x')).toThrow(/--subtensor.chain_endpoint/);
  });
});
