import type { CommandModule } from 'yargs';
import { startBackend } from '../../backend/server.js';
import { runCommand } from '../run-command.js';
import { ALGORITHMS, loadWithFlags, withConfigOptions, type ConfigArgs } from '../shared-options.js';
import { closeOnSignals } from '../exit-on-signal.js';

interface BackendArgs extends ConfigArgs {
  algorithm?: string;
  host?: string;
  port?: number;
}

/** `condense backend`: the HTTP backend (POST /condense) on the config or the embedded defaults. */
export const backendCommand: CommandModule<object, BackendArgs> = {
  command: 'backend',
  describe: 'run the condense backend (POST /condense, GET /health, GET /metrics)',
  builder: (y) =>
    withConfigOptions(y)
      .option('algorithm', { type: 'string', describe: `compressor: ${Object.keys(ALGORITHMS).join(' | ')} or a plugin package/path` })
      .option('host', { type: 'string', describe: 'listen address (default 0.0.0.0)' })
      .option('port', { type: 'number', describe: 'listen port (default 8080)' })
      .example('$0 backend', 'kvpress on the built-in model, local store, research tier')
      .example('$0 backend --config examples/minio.yaml --port 8088', 'as configured, on port 8088') as never,
  handler: (argv) =>
    runCommand(async () => {
      const { loaded, logger } = await loadWithFlags(argv, {
        'compressor.plugin': argv.algorithm ? (ALGORITHMS[argv.algorithm] ?? argv.algorithm) : undefined,
        'backend.host': argv.host,
        'backend.port': argv.port,
      });
      const backend = await startBackend(loaded, logger);
      process.stdout.write(`condense backend listening on ${backend.url} (tier ${loaded.tier.name})\n`);
      closeOnSignals(logger, () => backend.close());
    }),
};
