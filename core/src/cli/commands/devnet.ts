import type { CommandModule } from 'yargs';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, decodeAddress } from '@polkadot/util-crypto';
import { DevnetServer } from '../../miner/devnet/devnet-server.js';
import type { ChainShape } from '../../miner/devnet/metadata-blobs.js';
import { createLogger } from '../../logging.js';
import { intToIp } from '../../miner/chain/axon-info.js';
import { runCommand } from '../run-command.js';

interface DevnetArgs {
  port: number;
  netuid: number;
  neuron: string[];
  shape: ChainShape;
  'block-time': number;
  'serving-rate-limit': number;
  'strict-ip': boolean;
}

/** One `--neuron <dev-uri-or-ss58>:<stake-in-TAO>` value, resolved to an address. */
export function parseNeuronFlag(value: string, keyring: Keyring): { hotkey: string; stakeTao: number; label: string } {
  const at = value.lastIndexOf(':');
  const who = at > 0 ? value.slice(0, at) : value;
  const stake = at > 0 ? Number(value.slice(at + 1)) : 0;
  if (!Number.isFinite(stake) || stake < 0) throw new Error(`--neuron '${value}': the stake after ':' must be a number of TAO >= 0`);
  if (who.startsWith('//') || who.includes(' ')) return { hotkey: keyring.addFromUri(who).address, stakeTao: stake, label: who.includes(' ') ? '(mnemonic)' : who };
  try {
    decodeAddress(who);
  } catch {
    throw new Error(`--neuron '${value}': expected a dev URI such as //Alice or an ss58 address, then :<stake in TAO>`);
  }
  return { hotkey: who, stakeTao: stake, label: who };
}

/** `condense devnet`: the loopback Subtensor stand-in, to try the miner without TAO. */
export const devnetCommand: CommandModule<object, DevnetArgs> = {
  command: 'devnet',
  describe: 'run a loopback Subtensor stand-in (real runtime metadata) with registered neurons, for local tries of `condense miner`',
  builder: (y) =>
    y
      .option('port', { type: 'number', default: 9944, describe: 'WebSocket port on 127.0.0.1 (0 = any free port)' })
      .option('netuid', { type: 'number', default: 47, describe: 'subnet to create' })
      .option('neuron', { type: 'string', array: true, default: [] as string[], describe: 'register <dev-uri-or-ss58>:<stake-in-TAO>, e.g. //Alice:20000 (repeatable; uids in order)' })
      .option('shape', { choices: ['pre-dtao', 'post-dtao'] as const, default: 'post-dtao' as ChainShape, describe: 'runtime metadata: pre-dTAO (TotalHotkeyStake) or post-dTAO (TotalHotkeyAlpha)' })
      .option('block-time', { type: 'number', default: 12, describe: 'seconds per empty block (0: blocks only when an extrinsic arrives)' })
      .option('serving-rate-limit', { type: 'number', default: 0, describe: 'ServingRateLimit in blocks (the chain uses 50)' })
      .option('strict-ip', { type: 'boolean', default: false, describe: 'refuse 127.0.0.1 in serve_axon as the real chain does' })
      .example('$0 devnet --neuron //Alice:20000 --neuron 5F...:0', 'Alice as a validator, your hotkey as a miner') as never,
  handler: (argv) =>
    runCommand(async () => {
      await cryptoWaitReady();
      const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
      const neurons = argv.neuron.map((n) => parseNeuronFlag(n, keyring));
      const logger = createLogger();
      const devnet = new DevnetServer({ port: argv.port, shape: argv.shape, allowLoopbackIp: !argv['strict-ip'], servingRateLimit: argv['serving-rate-limit'], logger });
      const lines = neurons.map((n) => `  uid ${devnet.state.registerNeuron(argv.netuid, { hotkey: n.hotkey, stakeTao: n.stakeTao })}  ${n.hotkey}  ${n.stakeTao} TAO  ${n.label === n.hotkey ? '' : n.label}`);
      if (neurons.length === 0) devnet.state.registerNeuron(argv.netuid, { hotkey: keyring.addFromUri('//Alice').address, stakeTao: 20_000 });
      await devnet.start();
      const blocks = argv['block-time'] > 0 ? setInterval(() => devnet.state.advanceBlocks(1), argv['block-time'] * 1000) : undefined;
      const s = devnet.state;
      let reported = 0;
      s.on('block', (n) => {
        for (const served of s.served.slice(reported)) {
          process.stdout.write(`block ${n}: serve_axon by ${served.signer} -> ${intToIp(served.ip, served.ipType)}:${served.port} (netuid ${served.netuid}, version ${served.version})\n`);
        }
        reported = s.served.length;
      });
      process.stdout.write(
        [
          `condense devnet: ${devnet.url}  (${s.shape}, specVersion ${s.blob.specVersion}, netuid ${argv.netuid})`,
          ...(lines.length ? lines : [`  uid 0  ${keyring.addFromUri('//Alice').address}  20000 TAO  //Alice (default)`]),
          `connect a miner with: condense miner --subtensor.chain_endpoint ${devnet.url} --netuid ${argv.netuid} --axon.external_ip 127.0.0.1 ...`,
          '',
        ].join('\n'),
      );
      const stop = (): void => {
        clearInterval(blocks);
        devnet.stop().then(() => process.exit(0), () => process.exit(1));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }),
};
