#!/usr/bin/env node
// The `condense` command. It lives outside dist/ so npm can link it at install time,
// before the first build; it runs the compiled CLI.
import('../dist/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/main.js')) {
    process.stderr.write('condense: the CLI is not built yet; run `npm run build` (or `npm start`) first\n');
    process.exit(1);
  }
  throw err;
});
