import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTensor, encodeTensor, readSafetensorsDir, readSafetensorsHeader, readTensor, writeSafetensors } from './safetensors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'st-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('safetensors', () => {
  it('round-trips F32 exactly and records absolute offsets into the file', async () => {
    const a = Float32Array.from([1.5, -2, 3.25, 1e-8, 7]);
    const b = Float32Array.from([0.1, 0.2]);
    const file = join(dir, 'f32.safetensors');
    await writeSafetensors(file, [{ name: 'a', shape: [5], data: a }, { name: 'b', shape: [1, 2], data: b }], { format: 'pt' });
    const header = await readSafetensorsHeader(file);
    expect(header.metadata).toEqual({ format: 'pt' });
    expect(header.dataOffset % 8).toBe(0); // header padded to 8 bytes
    const [ia, ib] = header.tensors;
    expect(ia).toMatchObject({ name: 'a', dtype: 'F32', shape: [5], byteOffset: header.dataOffset, byteLength: 20 });
    expect(ib).toMatchObject({ name: 'b', shape: [1, 2], byteOffset: header.dataOffset + 20, byteLength: 8 });
    expect(await readTensor(ia)).toEqual(a);
    // The offset is usable directly, e.g. as ONNX external data.
    const bytes = await readFile(file);
    expect(bytes.readFloatLE(ib.byteOffset + 4)).toBe(Math.fround(0.2));
  });

  it('stores F16 and BF16 with the known bit patterns', () => {
    // 1.0 = 0x3c00 in half, 0x3f80 in bfloat16; -2 = 0xc000 / 0xc000; 1/3 rounds to 0x3555 / 0x3eab.
    const v = Float32Array.from([1, -2, 1 / 3]);
    const f16 = new DataView(encodeTensor(v, 'F16').buffer);
    expect([0, 1, 2].map((i) => f16.getUint16(i * 2, true))).toEqual([0x3c00, 0xc000, 0x3555]);
    const bf16 = new DataView(encodeTensor(v, 'BF16').buffer);
    expect([0, 1, 2].map((i) => bf16.getUint16(i * 2, true))).toEqual([0x3f80, 0xc000, 0x3eab]);
    expect(Array.from(decodeTensor(encodeTensor(v, 'BF16'), 'BF16'))).toEqual([1, -2, 0.333984375]);
    expect(Array.from(decodeTensor(encodeTensor(v, 'F16'), 'F16'))).toEqual([1, -2, 0.333251953125]);
  });

  it('reads a sharded checkpoint through model.safetensors.index.json', async () => {
    const shardDir = join(dir, 'sharded');
    await rm(shardDir, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(shardDir));
    await writeSafetensors(join(shardDir, 'model-00001-of-00002.safetensors'), [{ name: 'x', shape: [2], data: Float32Array.from([1, 2]), dtype: 'BF16' }]);
    await writeSafetensors(join(shardDir, 'model-00002-of-00002.safetensors'), [{ name: 'y', shape: [1], data: Float32Array.from([3]), dtype: 'F16' }]);
    const index = { metadata: {}, weight_map: { x: 'model-00001-of-00002.safetensors', y: 'model-00002-of-00002.safetensors' } };
    await writeFile(join(shardDir, 'model.safetensors.index.json'), JSON.stringify(index));
    const tensors = await readSafetensorsDir(shardDir);
    expect(tensors.get('x')?.file).toBe(join(shardDir, 'model-00001-of-00002.safetensors'));
    expect(Array.from(await readTensor(tensors.get('x')!))).toEqual([1, 2]);
    expect(Array.from(await readTensor(tensors.get('y')!))).toEqual([3]);

    await writeFile(join(shardDir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { ...index.weight_map, z: 'model-00002-of-00002.safetensors' } }));
    await expect(readSafetensorsDir(shardDir)).rejects.toThrow(/weight_map says z is in model-00002-of-00002.safetensors/);
  });

  it('rejects a truncated file and a directory without weights', async () => {
    const file = join(dir, 'trunc.safetensors');
    await writeSafetensors(file, [{ name: 'a', shape: [4], data: new Float32Array(4) }]);
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length - 4));
    await expect(readSafetensorsHeader(file)).rejects.toThrow(/tensor a has data_offsets \[0, 16\] inconsistent/);
    const empty = await mkdtemp(join(dir, 'empty-'));
    await expect(readSafetensorsDir(empty)).rejects.toThrow(/no model.safetensors or model.safetensors.index.json/);
  });
});
