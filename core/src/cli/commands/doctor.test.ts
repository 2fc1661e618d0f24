import { describe, expect, it } from 'vitest';
import { collectDoctorReport, formatDoctorReport, type DoctorReport } from './doctor.js';

describe('condense doctor', () => {
  it('reports the CPU provider with every smoke-tested op passing in fp32', async () => {
    const r = await collectDoctorReport();
    expect(r.onnxruntime).toMatch(/^\d+\.\d+\.\d+$/);
    expect(r.providers.map((p) => p.provider)).toEqual(['cpu', 'cuda', 'webgpu']);
    const cpu = r.providers[0];
    expect(cpu.available).toBe(true);
    expect(cpu.ops.filter((o) => o.dtype === 'float32' && !o.ok)).toEqual([]);
    expect(cpu.ops.map((o) => o.op)).toContain('GroupQueryAttention');
    for (const p of r.providers) if (!p.available) expect(p.reason).toMatch(/docs\/gpu\.md/);
  });

  it('prints the reason an unavailable provider gives and a failing op', () => {
    const report: DoctorReport = {
      onnxruntime: '1.30.0', node: 'v20', cpus: 2, cpuModel: 'x', memoryGiB: 8,
      providers: [
        { provider: 'cpu', available: true, ops: [{ op: 'Gemm', dtype: 'float32', provider: 'cpu', ok: true }, { op: 'MatMul', dtype: 'float16', provider: 'cpu', ok: false, error: 'no kernel' }] },
        { provider: 'cuda', available: false, reason: 'libonnxruntime_providers_cuda.so not found', ops: [] },
      ],
    };
    const text = formatDoctorReport(report);
    expect(text).toContain('cuda    unavailable: libonnxruntime_providers_cuda.so not found');
    expect(text).toContain('float32: ok Gemm');
    expect(text).toContain('float16: FAILED MatMul: no kernel');
    expect(text).toContain('no GPU provider');
  });
});
