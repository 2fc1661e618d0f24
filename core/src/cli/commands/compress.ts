import { readFile } from 'node:fs/promises';
import type { CommandModule } from 'yargs';
import { configuredHostUrl, createRuntime } from '../../container.js';
import { FileOutputStore } from '../../store/file-output-store.js';
import { runCommand } from '../run-command.js';
import { ALGORITHMS, loadWithFlags, withConfigOptions, type ConfigArgs } from '../shared-options.js';

interface CompressArgs extends ConfigArgs {
  algorithm?: string;
  'context-file'?: string;
  'target-model'?: string;
  out?: string;
}

/** `condense compress`: one request through the same pipeline as the backend, from stdin or a file. */
export const compressCommand: CommandModule<object, CompressArgs> = {
  command: 'compress',
  describe: 'condense one context (stdin or --context-file); print the result as JSON, or write the .npy with --out',
  builder: (y) =>
    withConfigOptions(y)
      .option('algorithm', { type: 'string', describe: `compressor: ${Object.keys(ALGORITHMS).join(' | ')} or a plugin package/path` })
      .option('context-file', { type: 'string', describe: 'read the context from this file instead of stdin' })
      .option('target-model', { type: 'string', describe: "target_model to ask for (default: the tier's first)" })
      .option('out', { alias: 'o', type: 'string', describe: 'write the .npy here instead of uploading it to the configured store' })
      .example('$0 compress --config miner.yaml < context.txt', 'upload and print the URL')
      .example('$0 compress --out cache.npy < context.txt', 'write the file locally') as never,
  handler: (argv) =>
    runCommand(async () => {
      const { loaded, logger } = await loadWithFlags(argv, {
        'compressor.plugin': argv.algorithm ? (ALGORITHMS[argv.algorithm] ?? argv.algorithm) : undefined,
        'artifacts.gcIntervalSeconds': 0,
      });
      const context = argv['context-file'] ? await readFile(argv['context-file'], 'utf8') : await readStdin();
      const runtime = await createRuntime(loaded, {
        logger,
        hostUrl: configuredHostUrl(loaded),
        store: argv.out ? new FileOutputStore(argv.out) : undefined,
      });
      try {
        const result = await runtime.condense.condense({ context, targetModel: argv['target-model'] ?? loaded.tier.targetModels[0] });
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } finally {
        await runtime.close();
      }
    }),
};

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new Error('give the context on stdin (condense compress < context.txt) or with --context-file');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
