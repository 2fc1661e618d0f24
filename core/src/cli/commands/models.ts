import type { CommandModule } from 'yargs';
import { defaultCacheDir, hubCacheDir, listCachedModels, pullModel } from '@neural-condense/sdk/llm';
import { createLogger } from '../../logging.js';
import { createProgressReporter } from '../../progress.js';
import { runCommand } from '../run-command.js';

interface ModelsArgs {
  'cache-dir'?: string;
}
interface PullArgs extends ModelsArgs {
  'repo-id': string;
  revision: string;
}
interface ListArgs extends ModelsArgs {
  json?: boolean;
}

const cacheDirOption = {
  type: 'string',
  describe: 'cache root (default $CONDENSE_CACHE_DIR or ~/.cache/neural-condense; Hub repos go to $HF_HUB_CACHE, $HF_HOME/hub or <cache-dir>/hub)',
} as const;

function formatBytes(n: number): string {
  if (n === 0) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  const i = Math.min(units.length - 1, Math.floor(Math.log(n) / Math.log(1024)));
  return `${(n / 1024 ** i).toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** `condense models pull|list`: download checkpoints from the Hugging Face Hub, show what is cached. */
export const modelsCommand: CommandModule<object, object> = {
  command: 'models <action>',
  describe: 'download and list models',
  builder: (y) =>
    y
      .command<PullArgs>({
        command: 'pull <repo-id>',
        describe: 'download a Hugging Face checkpoint (config, tokenizer, safetensors) into the cache; resumes an interrupted pull; HF_TOKEN for private or gated repos',
        builder: (p) =>
          p
            .positional('repo-id', { type: 'string', demandOption: true, describe: 'e.g. mistralai/Mistral-7B-Instruct-v0.2' })
            .option('revision', { type: 'string', default: 'main', describe: 'branch, tag or commit' })
            .option('cache-dir', cacheDirOption) as never,
        handler: (argv) =>
          runCommand(async () => {
            const logger = createLogger();
            const controller = new AbortController();
            process.once('SIGINT', () => controller.abort(new Error('interrupted; run the same command again to resume')));
            const result = await pullModel(argv['repo-id'], {
              cacheDir: argv['cache-dir'] ?? defaultCacheDir(),
              revision: argv.revision,
              progress: createProgressReporter(logger),
              logger,
              signal: controller.signal,
            });
            const fetched = result.files.filter((f) => f.downloaded).length;
            logger.info({ repo: result.repoId, commit: result.commit, files: result.files.length, downloaded: fetched, dir: result.dir }, 'model ready');
            process.stdout.write(`${result.dir}\n`);
          }),
      })
      .command<ListArgs>({
        command: 'list',
        describe: 'list built-in models and pulled Hub models',
        builder: (l) => l.option('cache-dir', cacheDirOption).option('json', { type: 'boolean', describe: 'print JSON' }) as never,
        handler: (argv) =>
          runCommand(async () => {
            const cacheDir = argv['cache-dir'] ?? defaultCacheDir();
            const models = await listCachedModels(cacheDir, hubCacheDir(cacheDir));
            if (argv.json) {
              process.stdout.write(`${JSON.stringify(models, null, 2)}\n`);
              return;
            }
            for (const m of models) {
              const refs = Object.entries(m.refs).map(([r, c]) => `${r}@${c.slice(0, 8)}`).join(' ');
              const state = m.kind === 'builtin' ? (m.dir ? 'generated' : 'generated on first use') : refs;
              process.stdout.write(`${m.spec.padEnd(48)} ${formatBytes(m.bytes).padStart(10)}  ${state}\n`);
            }
          }),
      })
      .demandCommand(1),
  handler: () => {},
};
