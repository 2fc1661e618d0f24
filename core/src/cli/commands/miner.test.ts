import { describe, expect, it } from 'vitest';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { minerOverrides } from './miner.js';
import { parseNeuronFlag } from './devnet.js';

describe('condense miner flags', () => {
  it('maps the original dotted flags onto miner config paths', () => {
    const overrides = minerOverrides({
      netuid: 12,
      subtensor: { network: 'test', chain_endpoint: 'ws://127.0.0.1:9944' },
      wallet: { name: 'w', hotkey: 'h', path: '/keys' },
      miner: { tier: 'research', backend_host: '10.0.0.5', backend_port: 8088 },
      axon: { port: 9000, external_ip: '203.0.113.9', external_port: 443 },
    });
    expect(overrides).toEqual({
      'miner.netuid': 12,
      'miner.subtensor.network': 'test',
      'miner.subtensor.chainEndpoint': 'ws://127.0.0.1:9944',
      'miner.wallet.name': 'w',
      'miner.wallet.hotkey': 'h',
      'miner.wallet.path': '/keys',
      'miner.backend': { host: '10.0.0.5', port: 8088 },
      'miner.axon.port': 9000,
      'miner.axon.externalIp': '203.0.113.9',
      'miner.axon.externalPort': 443,
    });
  });

  it('accepts --miner.backend.host/.port too, and refuses half a backend address', () => {
    expect(minerOverrides({ miner: { backend: { host: 'gpu', port: 8080 } } })['miner.backend']).toEqual({ host: 'gpu', port: 8080 });
    expect(minerOverrides({})['miner.backend']).toBeUndefined();
    expect(() => minerOverrides({ miner: { backend_host: 'gpu' } })).toThrow(/--miner.backend_host and --miner.backend_port go together/);
  });
});

describe('condense devnet --neuron', () => {
  it('resolves dev URIs and ss58 addresses with a TAO stake', async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    expect(parseNeuronFlag('//Alice:20000', keyring)).toEqual({ hotkey: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY', stakeTao: 20000, label: '//Alice' });
    expect(parseNeuronFlag('5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty:0.5', keyring)).toMatchObject({ hotkey: '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty', stakeTao: 0.5 });
    expect(parseNeuronFlag('//Bob', keyring).stakeTao).toBe(0);
    expect(() => parseNeuronFlag('//Bob:lots', keyring)).toThrow(/stake after ':'/);
    expect(() => parseNeuronFlag('nobody:1', keyring)).toThrow(/dev URI such as \/\/Alice or an ss58 address/);
  });
});
