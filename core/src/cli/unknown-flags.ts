import type { MiddlewareFunction } from 'yargs';

/**
 * The flags in `args` (raw command line) that the running command does not declare.
 * yargs' own strict mode rejects dotted flags such as `--wallet.name` (it sees `wallet`)
 * and, once those parents are declared, lets `--wallet.nmae` through; this check knows
 * every declared name exactly.
 */
export function unknownFlags(args: readonly string[], declared: Iterable<string>): string[] {
  const known = new Set(declared);
  const unknown: string[] = [];
  for (const token of args) {
    if (token === '--') break;
    if (!token.startsWith('-') || /^-\d/.test(token)) continue;
    const name = token.replace(/^--?/, '').split('=')[0];
    if (known.has(name) || (name.startsWith('no-') && known.has(name.slice(3)))) continue;
    unknown.push(token.split('=')[0]);
  }
  return unknown;
}

/** What yargs hands middleware as its second argument: the running command's instance. */
interface CommandInstance {
  getOptions(): { key: Record<string, unknown>; alias?: Record<string, string[]> };
}

/**
 * yargs middleware that fails the command on flags it does not declare. (@types/yargs 17
 * types middleware with one argument; yargs passes the command's instance as the second.)
 */
export function rejectUnknownFlags(rawArgs: readonly string[]): MiddlewareFunction {
  const check = (_argv: unknown, y: CommandInstance): void => {
    const options = y.getOptions();
    const unknown = unknownFlags(rawArgs, [...Object.keys(options.key), ...Object.values(options.alias ?? {}).flat()]);
    if (unknown.length > 0) throw new Error(`unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; see --help`);
  };
  return check as unknown as MiddlewareFunction;
}
