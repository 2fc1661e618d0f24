import { describe, expect, it } from 'vitest';
import { unknownFlags } from './unknown-flags.js';

const declared = ['help', 'h', 'config', 'c', 'wallet.name', 'axon.port', 'context-file', 'metadata'];

describe('unknownFlags', () => {
  it('accepts declared flags, dotted ones, aliases, =values and --no-', () => {
    expect(unknownFlags(['--config', 'a.yaml', '--wallet.name', 'w', '-c', 'x', '--axon.port=8091', '--no-metadata', '--context-file', 'f'], declared)).toEqual([]);
  });

  it('names misspelt and foreign flags', () => {
    expect(unknownFlags(['--wallet.nmae', 'w', '--port', '8080', '--confg=x', '-z'], declared)).toEqual(['--wallet.nmae', '--port', '--confg', '-z']);
  });

  it('ignores values, negative numbers and everything after --', () => {
    expect(unknownFlags(['--axon.port', '-5', 'positional', '--', '--anything'], declared)).toEqual([]);
  });
});
