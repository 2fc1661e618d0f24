// `npm run bench`: runs every suite in bench/suites (or those named on the command line),
// prints each table and writes it to bench/results/<suite>.md. Suites import the built
// packages (dist/), so `npm run bench` builds first.
//
// A suite is a module whose default export is `async ({ log }) => ({ title, columns, rows, notes? })`.
import { readdir, writeFile, mkdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import os from 'node:os';

const here = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
const files = (await readdir(join(here, 'suites'))).filter((f) => f.endsWith('.mjs')).sort();
const selected = files.filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)));
if (selected.length === 0) {
  console.error(`no bench suite matches ${wanted.join(', ')}; have: ${files.join(', ')}`);
  process.exit(2);
}
await mkdir(join(here, 'results'), { recursive: true });

const machine = `${os.cpus().length}× ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
let failed = 0;
for (const file of selected) {
  const name = file.replace(/\.mjs$/, '');
  const log = (msg) => console.error(`[${name}] ${msg}`);
  try {
    const suite = (await import(pathToFileURL(join(here, 'suites', file)).href)).default;
    const result = await suite({ log });
    const md = toMarkdown(result, machine);
    console.log(`\n${md}`);
    await writeFile(join(here, 'results', `${name}.md`), md);
  } catch (err) {
    failed++;
    console.error(`[${name}] failed: ${err?.stack ?? err}`);
  }
}
process.exit(failed ? 1 : 0);

function toMarkdown({ title, columns, rows, notes = [] }, machineLine) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [
    `## ${title}`,
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machineLine}.`,
    '',
    line(columns),
    line(columns.map(() => '---')),
    ...rows.map((r) => line(r.map(String))),
    '',
    ...notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}
