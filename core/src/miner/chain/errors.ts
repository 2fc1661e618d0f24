/** Why a chain operation failed, for callers that branch on it. */
export type ChainErrorCode = 'timeout' | 'not_registered' | 'extrinsic_failed' | 'unsupported_runtime' | 'disconnected';

/** A chain call failed; the message says what to check. */
export class ChainError extends Error {
  constructor(readonly code: ChainErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ChainError';
  }
}

/** The hotkey has no uid on the subnet: the miner must not start. */
export class NotRegisteredError extends ChainError {
  constructor(readonly hotkey: string, readonly netuid: number, endpoint: string) {
    super(
      'not_registered',
      `hotkey ${hotkey} is not registered on netuid ${netuid} at ${endpoint}; register it first (btcli subnet register --netuid ${netuid} --wallet.name <name> --wallet.hotkey <hotkey>)`,
    );
  }
}

/** Rejects with a ChainError('timeout') when `promise` does not settle within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new ChainError('timeout', `chain call '${what}' got no answer in ${ms} ms (stale endpoint? see --subtensor.chain_endpoint)`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
