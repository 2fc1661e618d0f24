import { CondenseError } from '@neural-condense/sdk';

/**
 * Runs a command body and turns known errors into one clear line and exit code 2
 * (config and plugin errors), or 1 for anything else. Never a stack trace for a user error.
 */
export async function runCommand(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (err instanceof CondenseError) {
      process.stderr.write(`condense: ${err.message}\n`);
      process.exit(err.code === 'config_error' || err.code === 'plugin_load_error' ? 2 : 1);
    }
    process.stderr.write(`condense: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  }
}
