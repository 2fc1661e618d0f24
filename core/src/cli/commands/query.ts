import { readFile } from 'node:fs/promises';
import type { CommandModule } from 'yargs';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady, decodeAddress } from '@polkadot/util-crypto';
import { ConfigError } from '@neural-condense/sdk';
import { Dendrite } from '../../miner/dendrite/dendrite.js';
import { runSelfTest } from '../../miner/dendrite/self-test.js';
import { loadHotkey } from '../../miner/wallet/load-hotkey.js';
import { runCommand } from '../run-command.js';
import { loadWithFlags, withConfigOptions, withWalletOptions, type ConfigArgs } from '../shared-options.js';

interface QueryArgs extends ConfigArgs {
  axon: string;
  'axon-hotkey': string;
  wallet?: { name?: string; hotkey?: string; path?: string };
  'dev-uri'?: string;
  'context-file'?: string;
  'target-model'?: string;
  metadata?: boolean;
  timeout?: number;
}

/** Splits `host:port` (IPv6 as `[::1]:8091`). */
export function parseHostPort(text: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(text);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65535) throw new ConfigError('--axon', `expected host:port, got '${text}'`);
  return { host: match[1], port };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function signer(argv: QueryArgs, walletDefaults: { name: string; hotkey: string; path: string }): Promise<KeyringPair> {
  if (argv['dev-uri']) {
    await cryptoWaitReady();
    return new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(argv['dev-uri']);
  }
  return loadHotkey({
    name: argv.wallet?.name ?? walletDefaults.name,
    hotkey: argv.wallet?.hotkey ?? walletDefaults.hotkey,
    path: argv.wallet?.path ?? walletDefaults.path,
  });
}

/** `condense query`: a signed synapse to any axon, judged like a validator would. */
export const queryCommand: CommandModule<object, QueryArgs> = {
  command: 'query',
  describe: 'send a signed TextCompressProtocol (or Metadata) to an axon and check the answer like a validator',
  builder: (y) =>
    withWalletOptions(withConfigOptions(y))
      .option('axon', { type: 'string', demandOption: true, describe: 'the miner axon, host:port' })
      .option('axon-hotkey', { type: 'string', demandOption: true, describe: "the miner's hotkey ss58 (signed into the request)" })
      .option('dev-uri', { type: 'string', describe: 'sign with a dev key instead, e.g. //Alice (local tests)' })
      .option('context-file', { type: 'string', describe: 'file holding the context (default: stdin)' })
      .option('target-model', { type: 'string', describe: "target_model to ask for (default: the tier's first)" })
      .option('metadata', { type: 'boolean', default: false, describe: 'send Metadata and check the tier instead' })
      .option('timeout', { type: 'number', describe: "seconds (default: the tier's timeout; 16 for Metadata)" })
      .example('$0 query --axon 127.0.0.1:8091 --axon-hotkey 5F... --dev-uri //Alice --context-file ctx.txt', 'self-test a local miner')
      .example('$0 query --axon 1.2.3.4:8091 --axon-hotkey 5F... --metadata --wallet.name v --wallet.hotkey h', 'ask for the tier') as never,
  handler: (argv) =>
    runCommand(async () => {
      const { loaded } = await loadWithFlags({ ...argv, 'log-level': argv['log-level'] ?? 'warn' });
      const { host, port } = parseHostPort(argv.axon);
      try {
        decodeAddress(argv['axon-hotkey']);
      } catch {
        throw new ConfigError('--axon-hotkey', `'${argv['axon-hotkey']}' is not an ss58 address`);
      }
      const pair = await signer(argv, loaded.config.miner.wallet);
      let context: string | undefined;
      if (!argv.metadata) {
        if (argv['context-file']) context = await readFile(argv['context-file'], 'utf8');
        else if (!process.stdin.isTTY) context = await readStdin();
        else throw new ConfigError('--context-file', 'give the context with --context-file or on stdin (or use --metadata)');
      }
      const timeoutS = argv.timeout ?? (argv.metadata ? 16 : loaded.tier.timeoutMs / 1000);
      const result = await runSelfTest({
        dendrite: new Dendrite(pair),
        target: { host, port, hotkey: argv['axon-hotkey'] },
        tier: loaded.tier,
        metadata: argv.metadata,
        context,
        targetModel: argv['target-model'],
        timeoutS,
      });
      process.stdout.write(`signed by ${pair.address}\n${result.lines.join('\n')}\n`);
      if (!result.ok) process.exitCode = 1;
    }),
};
