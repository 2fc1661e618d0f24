import { describe, expect, it } from 'vitest';
import { isPlugin, PLUGIN_API_VERSION } from '@neural-condense/sdk';
import plugin, { kvpressOptions, MISTRAL_TARGET_MODELS, PRESS_NAMES, servedModels } from './index.js';

/** The first issue's path and message, as core reports them. */
function firstIssue(input: unknown): { path: string; message: string } {
  const r = kvpressOptions.safeParse(input);
  expect(r.success).toBe(false);
  const issue = r.error!.issues[0];
  return { path: issue.path.join('.'), message: issue.message };
}

describe('kvpress options', () => {
  it('defaults to Knorm 0.75 on the built-in model with the onnx runtime on cpu', () => {
    const o = kvpressOptions.parse({});
    expect(o).toMatchObject({ model: 'builtin:tiny-mistral', press: 'knorm', compressionRatio: 0.75, device: 'cpu', runtime: 'onnx', rerotateKeys: false, windowSize: 64, kernelSize: 5, nSink: 4 });
  });

  it('accepts every press by name', () => {
    for (const press of PRESS_NAMES) expect(kvpressOptions.parse({ press }).press).toBe(press);
  });

  it('rejects a bad press name, naming the choices', () => {
    const issue = firstIssue({ press: 'pyramidkv' });
    expect(issue.path).toBe('press');
    expect(issue.message).toMatch(/knorm, random, streaming-llm, snapkv/);
  });

  it('rejects compression ratio 1 and negative ratios', () => {
    expect(firstIssue({ compressionRatio: 1 })).toEqual({ path: 'compressionRatio', message: expect.stringMatching(/between 0 and 1 \(1 excluded/) });
    expect(firstIssue({ compressionRatio: -0.1 }).path).toBe('compressionRatio');
    expect(firstIssue({ compressionRatio: '0.5' }).message).toMatch(/between 0 and 1/);
    expect(kvpressOptions.parse({ compressionRatio: 0 }).compressionRatio).toBe(0);
  });

  it('rejects a negative or fractional window, an even kernel, unknown keys and devices', () => {
    expect(firstIssue({ windowSize: -4 })).toEqual({ path: 'windowSize', message: expect.stringMatching(/positive integer/) });
    expect(firstIssue({ windowSize: 2.5 }).path).toBe('windowSize');
    expect(firstIssue({ kernelSize: 4 })).toEqual({ path: 'kernelSize', message: expect.stringMatching(/odd/) });
    expect(firstIssue({ nSink: -1 }).path).toBe('nSink');
    expect(firstIssue({ device: 'tpu' }).path).toBe('device');
    expect(firstIssue({ chunkPress: 'chunkkv' }).path).toBe('chunkPress');
    expect(firstIssue({ windowsize: 8 }).message).toMatch(/windowsize/);
  });

  it('serves the Mistral target ids for built-in and Mistral models, else the model id', () => {
    expect(servedModels({ model: 'builtin:tiny-mistral' })).toEqual([...MISTRAL_TARGET_MODELS]);
    expect(servedModels({ model: 'mistralai/Mistral-7B-Instruct-v0.2' })).toEqual([...MISTRAL_TARGET_MODELS]);
    expect(servedModels({ model: 'meta-llama/Llama-3.1-8B-Instruct' })).toEqual(['meta-llama/Llama-3.1-8B-Instruct']);
    expect(servedModels({ model: '/models/x', servedModels: ['a/b'] })).toEqual(['a/b']);
  });

  it('is a compressor plugin of the current API version', () => {
    expect(isPlugin(plugin)).toBe(true);
    expect(plugin).toMatchObject({ name: '@neural-condense/kvpress', kind: 'compressor', apiVersion: PLUGIN_API_VERSION });
  });
});
