import os from 'node:os';
import type { CommandModule } from 'yargs';
import { EXECUTION_PROVIDERS, onnxruntimeVersion, probeProvider, smokeTestOps, type OpSmokeResult, type ProviderStatus } from '@neural-condense/sdk/llm';
import { runCommand } from '../run-command.js';

interface DoctorArgs {
  json?: boolean;
}

/** What `condense doctor` found, as `--json` prints it. */
export interface DoctorReport {
  onnxruntime: string;
  node: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  providers: (ProviderStatus & { ops: OpSmokeResult[] })[];
}

/** Probes every execution provider and smoke-tests the ops the prefill graph relies on. */
export async function collectDoctorReport(): Promise<DoctorReport> {
  const providers = [];
  for (const provider of EXECUTION_PROVIDERS) {
    const status = await probeProvider(provider);
    providers.push({ ...status, ops: status.available ? await smokeTestOps(provider) : [] });
  }
  return {
    onnxruntime: onnxruntimeVersion(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    providers,
  };
}

/** Renders the report for a terminal. */
export function formatDoctorReport(r: DoctorReport): string {
  const lines = [
    `onnxruntime-node ${r.onnxruntime} on Node ${r.node}`,
    `CPU: ${r.cpus} x ${r.cpuModel}, memory ${r.memoryGiB} GiB`,
    '',
    'execution providers:',
  ];
  for (const p of r.providers) {
    lines.push(`  ${p.provider.padEnd(7)} ${p.available ? 'available' : `unavailable: ${p.reason ?? 'unknown reason'}`}`);
    for (const dtype of ['float32', 'float16'] as const) {
      const ops = p.ops.filter((o) => o.dtype === dtype);
      if (ops.length === 0) continue;
      const ok = ops.filter((o) => o.ok).map((o) => o.op);
      const bad = ops.filter((o) => !o.ok);
      lines.push(`          ${dtype}: ${ok.length ? `ok ${ok.join(', ')}` : 'no op ran'}`);
      for (const b of bad) lines.push(`          ${dtype}: FAILED ${b.op}: ${b.error ?? ''}`);
    }
  }
  const gpu = r.providers.some((p) => p.provider !== 'cpu' && p.available);
  lines.push('', gpu ? 'a GPU provider is available: select it in the compressor options (e.g. device: cuda)' : 'no GPU provider: prefill runs on the CPU (fine for tests, too slow for a 7B target). See docs/gpu.md');
  return `${lines.join('\n')}\n`;
}

/** `condense doctor`: which onnxruntime execution providers and ops work on this machine. */
export const doctorCommand: CommandModule<object, DoctorArgs> = {
  command: 'doctor',
  describe: 'check onnxruntime-node: execution providers (cpu, cuda, webgpu) and the ops the prefill graph needs',
  builder: (y) => y.option('json', { type: 'boolean', describe: 'print the report as JSON' }) as never,
  handler: (argv) =>
    runCommand(async () => {
      const report = await collectDoctorReport();
      process.stdout.write(argv.json ? `${JSON.stringify(report, null, 2)}\n` : formatDoctorReport(report));
    }),
};
