import { CondenseError, throwIfAborted } from '@neural-condense/sdk';

/** Raised when the queue is full or closed; the backend answers 503. */
export class QueueFullError extends CondenseError {
  constructor(message: string) {
    super('queue_full', message);
  }
}

interface Waiting {
  start: () => void;
  cancel: (reason: unknown) => void;
}

/**
 * Runs one job at a time (one GPU job per compressor) with a bounded number waiting.
 * A waiting job whose signal aborts leaves the queue at once.
 */
export class JobQueue {
  private running = false;
  private readonly waiting: Waiting[] = [];
  private closed = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => {};

  /** `onDepth` hears every change of `depth` (the Prometheus gauge in production). */
  constructor(
    private readonly maxWaiting: number,
    private readonly onDepth: (depth: number) => void = () => {},
  ) {}

  /** Jobs running plus waiting. */
  get depth(): number {
    return this.waiting.length + (this.running ? 1 : 0);
  }

  async run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.closed) throw new QueueFullError('the server is shutting down');
    throwIfAborted(signal);
    if (this.running) {
      if (this.waiting.length >= this.maxWaiting) throw new QueueFullError(`the compressor is busy and ${this.waiting.length} requests are waiting; retry later`);
      await this.wait(signal);
    } else {
      this.begin();
    }
    try {
      throwIfAborted(signal);
      return await job();
    } finally {
      this.next();
    }
  }

  /** Refuses new jobs; resolves once running and waiting jobs have finished. */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle;
  }

  private begin(): void {
    if (!this.running) this.idle = new Promise((r) => (this.markIdle = r));
    this.running = true;
    this.onDepth(this.depth);
  }

  private wait(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        this.onDepth(this.depth);
        try {
          throwIfAborted(signal);
        } catch (err) {
          reject(err);
        }
      };
      const entry: Waiting = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        cancel: reject,
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
      this.onDepth(this.depth);
    });
  }

  private next(): void {
    const nextJob = this.waiting.shift();
    if (nextJob) {
      this.onDepth(this.depth);
      nextJob.start();
      return;
    }
    this.running = false;
    this.onDepth(this.depth);
    this.markIdle();
  }
}
