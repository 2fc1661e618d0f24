import { z } from 'zod';

/**
 * The `miner:` section of the config file. Flag names in comments are the original
 * Python miner's; the CLI maps them onto these paths.
 */
export const minerConfigSchema = z
  .object({
    /** --netuid */
    netuid: z.number().int().min(0).max(65535).default(47),
    subtensor: z
      .object({
        /** --subtensor.network: finney | test | local | archive, or a ws(s):// URL */
        network: z.string().default('finney'),
        /** --subtensor.chain_endpoint: overrides the network's URL */
        chainEndpoint: z.string().optional(),
        /** Timeout of every chain call. */
        callTimeoutMs: z.number().int().positive().default(20_000),
      })
      .prefault({}),
    wallet: z
      .object({
        /** --wallet.name */
        name: z.string().default('default'),
        /** --wallet.hotkey */
        hotkey: z.string().default('default'),
        /** --wallet.path */
        path: z.string().default('~/.bittensor/wallets'),
      })
      .prefault({}),
    axon: z
      .object({
        /** --axon.port */
        port: z.number().int().min(1).max(65535).default(8091),
        host: z.string().default('0.0.0.0'),
        /** --axon.external_ip: what is posted on chain (default: detected by the operator; required on chain networks) */
        externalIp: z.string().optional(),
        /** --axon.external_port (default: port) */
        externalPort: z.number().int().min(1).max(65535).optional(),
        /** Largest request body accepted, bytes. */
        maxBodyBytes: z.number().int().positive().default(1_000_000),
        /** TextCompressProtocol forwards running at once; more wait, highest stake first. */
        concurrency: z.number().int().positive().default(2),
        /** Forwards that may wait; beyond this the lowest-stake waiter gets 503 (bittensor's maxsize 10). */
        maxQueued: z.number().int().min(0).default(10),
      })
      .prefault({}),
    /** --miner.backend_host/--miner.backend_port: forward to a remote backend instead of in-process. */
    backend: z
      .object({ host: z.string(), port: z.number().int().min(1).max(65535) })
      .optional(),
    blacklist: z
      .object({
        /** Minimum stake in TAO (the original's MIN_STAKE, default 10000; 0 on testnet). */
        minStake: z.number().min(0).optional(),
        requireValidatorPermit: z.boolean().default(false),
        /** Hotkeys always allowed (still verified) / always refused. */
        allowHotkeys: z.array(z.string()).default([]),
        denyHotkeys: z.array(z.string()).default([]),
      })
      .prefault({}),
    rateLimit: z
      .object({
        /** Requests per epoch shared by validators in proportion to stake (tier's requestsPerEpoch when unset). */
        requestsPerEpoch: z.number().int().positive().optional(),
        /** The original's floor per validator. */
        minPerValidator: z.number().int().min(0).default(10),
        epochSeconds: z.number().int().positive().default(600),
      })
      .prefault({}),
    /** Metagraph resync period. */
    syncIntervalSeconds: z.number().int().positive().default(600),
  })
  .prefault({});

export type MinerConfig = z.output<typeof minerConfigSchema>;
