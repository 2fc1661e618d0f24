import type { CommandModule } from 'yargs';
import { runMiner } from '../../miner/run-miner.js';
import { NotRegisteredError } from '../../miner/chain/errors.js';
import { runCommand } from '../run-command.js';
import { loadWithFlags, withConfigOptions, withWalletOptions, type ConfigArgs } from '../shared-options.js';
import { closeOnSignals } from '../exit-on-signal.js';

/** The original miner's flags (dotted, as bittensor spells them). */
interface MinerArgs extends ConfigArgs {
  netuid?: number;
  subtensor?: { network?: string; chain_endpoint?: string };
  wallet?: { name?: string; hotkey?: string; path?: string };
  // The original's docs spell the backend flags both --miner.backend_host and --miner.backend.host.
  miner?: { tier?: string; backend_host?: string; backend_port?: number; backend?: { host?: string; port?: number } };
  axon?: { port?: number; external_ip?: string; external_port?: number };
}

/** Flags -> dotted config paths; undefined values leave the file's value. */
export function minerOverrides(argv: MinerArgs): Record<string, unknown> {
  const host = argv.miner?.backend_host ?? argv.miner?.backend?.host;
  const port = argv.miner?.backend_port ?? argv.miner?.backend?.port;
  if ((host === undefined) !== (port === undefined)) {
    throw new Error('--miner.backend_host and --miner.backend_port go together: give both to forward to a remote backend, or neither to run it in this process');
  }
  return {
    'miner.netuid': argv.netuid,
    'miner.subtensor.network': argv.subtensor?.network,
    'miner.subtensor.chainEndpoint': argv.subtensor?.chain_endpoint,
    'miner.wallet.name': argv.wallet?.name,
    'miner.wallet.hotkey': argv.wallet?.hotkey,
    'miner.wallet.path': argv.wallet?.path,
    'miner.backend': host !== undefined ? { host, port } : undefined,
    'miner.axon.port': argv.axon?.port,
    'miner.axon.externalIp': argv.axon?.external_ip,
    'miner.axon.externalPort': argv.axon?.external_port,
  };
}

/** `condense miner`: the SN47 miner (axon + chain + in-process or remote backend). */
export const minerCommand: CommandModule<object, MinerArgs> = {
  command: 'miner',
  describe: 'run the SN47 miner: check registration, serve the axon, post it on chain, answer validators',
  builder: (y) =>
    withWalletOptions(withConfigOptions(y))
      .option('netuid', { type: 'number', describe: 'subnet uid (default 47)' })
      .option('subtensor.network', { type: 'string', describe: 'finney | test | archive | local, or a ws(s):// URL (default finney)' })
      .option('subtensor.chain_endpoint', { type: 'string', describe: 'ws(s):// URL of a subtensor node; overrides the network' })
      .option('miner.backend_host', { type: 'string', describe: 'forward to a backend on this host instead of running it in this process' })
      .option('miner.backend_port', { type: 'number', describe: 'port of that backend' })
      .option('axon.port', { type: 'number', describe: 'port the axon listens on (default 8091)' })
      .option('axon.external_ip', { type: 'string', describe: 'public IP posted on chain with serve_axon' })
      .option('axon.external_port', { type: 'number', describe: 'public port posted on chain (default: --axon.port)' })
      .example('$0 miner --netuid 47 --subtensor.network finney --wallet.name miner --wallet.hotkey default --axon.port 8091 --axon.external_ip 203.0.113.9', 'one process: axon + backend')
      .example('$0 miner --config miner.yaml --miner.backend_host 10.0.0.5 --miner.backend_port 8080', 'axon here, backend on a GPU host')
      .example('$0 miner --subtensor.chain_endpoint ws://127.0.0.1:9944 --wallet.name miner', 'against `condense devnet`') as never,
  handler: (argv) =>
    runCommand(async () => {
      const { loaded, logger } = await loadWithFlags(argv, minerOverrides(argv));
      let miner;
      try {
        miner = await runMiner(loaded, { logger });
      } catch (error) {
        if (error instanceof NotRegisteredError) {
          process.stderr.write(`condense: ${error.message}\n`);
          process.exit(3);
        }
        throw error;
      }
      process.stdout.write(`condense miner: uid ${miner.uid}, hotkey ${miner.hotkey}, axon on port ${miner.axonPort}, tier ${loaded.tier.name}\n`);
      closeOnSignals(logger, () => miner.close());
    }),
};
