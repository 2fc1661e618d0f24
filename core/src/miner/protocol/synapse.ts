import { z } from 'zod';

// Synapse models as pydantic dumps them (bittensor `Synapse`, SN47 `protocol.py`). Every
// field has the Python default, unknown keys are dropped (pydantic ignores them), so a
// parsed body re-serialises to what `model_dump()` of the Python object would give.

const nullable = <T extends z.ZodType>(schema: T) => schema.nullable().default(null);

/** bittensor `TerminalInfo`: one side (axon or dendrite) of a request. All fields nullable. */
export const terminalInfoSchema = z
  .object({
    status_code: nullable(z.number().int()),
    status_message: nullable(z.string()),
    process_time: nullable(z.number()),
    ip: nullable(z.string()),
    port: nullable(z.number().int()),
    version: nullable(z.number().int()),
    // A JSON number near 1.7e18 loses precision here; the axon uses the header's string.
    nonce: nullable(z.union([z.number(), z.bigint()])),
    uuid: nullable(z.string()),
    hotkey: nullable(z.string()),
    signature: nullable(z.string()),
  })
  .prefault({});

/** A side of a request: what `TerminalInfo` holds on the wire. */
export type TerminalInfo = z.output<typeof terminalInfoSchema>;

const baseFields = {
  name: nullable(z.string()),
  timeout: z.number().default(12.0),
  total_size: z.number().int().default(0),
  header_size: z.number().int().default(0),
  dendrite: terminalInfoSchema,
  axon: terminalInfoSchema,
  computed_body_hash: z.string().default(''),
};

/** SN47 `UtilData`: validator-side bookkeeping, echoed untouched. */
const utilDataSchema = z
  .object({
    compressed_kv_b64: z.string().default(''),
    compressed_length: z.number().int().default(0),
    download_time: z.number().default(0.0),
    bonus_compress_size: z.number().default(0.0),
    bonus_time: z.number().default(0.0),
    local_filename: z.string().default(''),
  })
  .prefault({});

/** SN47 `TaskData`: validator-side task material, echoed untouched. */
const taskDataSchema = z
  .object({
    formatted_context: z.string().default(''),
    original_context: z.string().default(''),
    challenge_questions: z.array(z.string()).default([]),
    challenge_answers: z.array(z.string()).default([]),
    formatted_questions: z.array(z.string()).default([]),
    negative_chunks: z.array(z.string()).default([]),
    positive_chunks: z.array(z.string()).default([]),
  })
  .prefault({});

/** bittensor's base `Synapse` (the implicit `/Synapse` ping route). */
export const synapseSchema = z.object(baseFields);
/** Base synapse fields. */
export type Synapse = z.output<typeof synapseSchema>;

/** SN47 `TextCompressProtocol`: the condense request. */
export const textCompressSchema = z.object({
  ...baseFields,
  context: z.string().default(''),
  target_model: z.string().default(''),
  tier: z.string().default(''),
  compressed_kv_url: z.string().default(''),
  compressed_context: z.string().default(''),
  util_data: utilDataSchema,
  task_data: taskDataSchema,
});
/** A TextCompressProtocol synapse with every field present. */
export type TextCompressProtocol = z.output<typeof textCompressSchema>;

/** SN47 `Metadata`: the validator asks for the miner's tier. */
export const metadataSchema = z.object({
  ...baseFields,
  metadata: z.record(z.string(), z.unknown()).default({}),
});
/** A Metadata synapse with every field present. */
export type MetadataSynapse = z.output<typeof metadataSchema>;

/** The synapse class names this axon serves, i.e. its routes. */
export const SYNAPSE_NAMES = ['TextCompressProtocol', 'Metadata', 'Synapse'] as const;
/** One of `SYNAPSE_NAMES`. */
export type SynapseName = (typeof SYNAPSE_NAMES)[number];

const schemas = { TextCompressProtocol: textCompressSchema, Metadata: metadataSchema, Synapse: synapseSchema } as const;

/** Whether a route segment names a served synapse. */
export function isSynapseName(name: string): name is SynapseName {
  return (SYNAPSE_NAMES as readonly string[]).includes(name);
}

/**
 * Parses a request body into a synapse of `name` with Python defaults filled in and the
 * `name` field forced to the class name (pydantic's model validator does the same).
 * Throws a ZodError on a mistyped field.
 */
export function parseSynapse<N extends SynapseName>(name: N, body: unknown): z.output<(typeof schemas)[N]> {
  const parsed = schemas[name].parse(body ?? {}) as z.output<(typeof schemas)[N]>;
  parsed.name = name;
  return parsed;
}

/** A synapse of `name` with every field at its default (what `Cls()` gives in Python). */
export function emptySynapse<N extends SynapseName>(name: N): z.output<(typeof schemas)[N]> {
  return parseSynapse(name, {});
}
