import type { z } from 'zod';
import { ConfigError } from '@neural-condense/sdk';

/** Turns the first zod issue into a ConfigError whose path is prefixed with `base`. */
export function toConfigError(error: z.ZodError, base: string, source?: string): ConfigError {
  const issue = error.issues[0];
  const path = [base, ...issue.path.map(String)].filter((p) => p.length > 0).join('.');
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? 's' : ''})` : '';
  return new ConfigError(path, `${issue.message}${more}`, source);
}
