import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { ConfigError, UnsupportedModelError } from '../errors.js';

// Tokenisation as the validator does it. The validator never uses the tokenizer's own
// special-token template: it writes "<s>" into the text and encodes with
// add_special_tokens=False, so "<s>" is matched as the added token (BOS, id 1) and the
// rest goes through the model. With Mistral's legacy tokenizer.json the segment after "<s>"
// gets its own "▁" prefix, so "<s> [INST] Hi" is [1, 28705 "▁", 733 "▁[", 16289 "INST", 28793 "]", ...]:
// the extra 28705 is part of what the validator counts as the context length.

/** A loaded tokenizer: text → ids and back. */
export interface TextTokenizer {
  /** Encodes text; `addSpecialTokens` applies the tokenizer's own template (BOS for Llama). Default false. */
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  decode(ids: readonly number[]): string;
}

/** Loads `tokenizer.json` (+ `tokenizer_config.json` beside it, if present) from a file or checkpoint directory. */
export async function loadTokenizer(pathOrDir: string): Promise<TextTokenizer> {
  const isDir = await stat(pathOrDir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  const file = isDir ? join(pathOrDir, 'tokenizer.json') : pathOrDir;
  let json: object;
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as object;
  } catch (e) {
    throw new ConfigError('', `cannot read tokenizer.json (${(e as Error).message}); a checkpoint needs a Hugging Face fast tokenizer file`, file);
  }
  const config = await readFile(join(dirname(file), 'tokenizer_config.json'), 'utf8').then(
    (t) => JSON.parse(t) as object,
    () => ({}),
  );
  const tokenizer = new Tokenizer(json, config);
  return {
    encode: (text, options) => tokenizer.encode(text, { add_special_tokens: options?.addSpecialTokens ?? false }).ids,
    decode: (ids) => tokenizer.decode([...ids], { skip_special_tokens: false }),
  };
}

/** How a target model's validator formats the context before tokenising it. */
export type ContextFormat = 'mistral-instruct' | 'plain';

/** Target models with a known validator format. */
const FORMATS: ReadonlyArray<[RegExp, ContextFormat]> = [[/mistral-7b-instruct/i, 'mistral-instruct']];

/** The context format of a validator `target_model` (e.g. `mistralai/Mistral-7B-Instruct-v0.2` → mistral-instruct). */
export function contextFormatFor(targetModel: string): ContextFormat {
  const found = FORMATS.find(([re]) => re.test(targetModel));
  if (!found) throw new UnsupportedModelError(targetModel, ['mistralai/Mistral-7B-Instruct-v0.2']);
  return found[1];
}

/** Formats the context the way the validator does (`"<s> [INST] " + context` for Mistral instruct). */
export function formatContext(context: string, format: ContextFormat): string {
  return format === 'mistral-instruct' ? `<s> [INST] ${context}` : context;
}

/** Token ids of the formatted context, exactly as the validator counts them (no extra special tokens). */
export function tokenizeContext(tokenizer: TextTokenizer, context: string, format: ContextFormat): number[] {
  return tokenizer.encode(formatContext(context, format), { addSpecialTokens: false });
}
