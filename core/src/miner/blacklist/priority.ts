import { CondenseError } from '@neural-condense/sdk';

/** Thrown to a waiter pushed out of a full queue by higher-stake callers. */
export class PriorityQueueFullError extends CondenseError {
  constructor(maxQueued: number) {
    super('queue_full', `Axon busy: ${maxQueued} requests already waiting with higher priority.`);
  }
}

interface Waiter {
  priority: number;
  seq: number;
  resolve(release: () => void): void;
  reject(err: unknown): void;
}

/**
 * Admits at most `concurrency` forwards at once. When busy, waiters are admitted by
 * priority (the caller's stake), FIFO among equals; when more than `maxQueued` wait, the
 * lowest-priority one is refused. A waiter whose signal aborts leaves the queue.
 */
export class PriorityGate {
  private active = 0;
  private seq = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly maxQueued: number,
  ) {}

  /** How many forwards run / wait now (for metrics and tests). */
  get stats(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }

  /** Resolves with a release function once admitted. */
  acquire(priority: number, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.active < this.concurrency) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { priority, seq: this.seq++, resolve, reject };
      // Sorted by priority desc, then arrival.
      let at = this.waiting.findIndex((w) => w.priority < priority);
      if (at < 0) at = this.waiting.length;
      this.waiting.splice(at, 0, waiter);
      if (this.waiting.length > this.maxQueued) this.waiting.pop()!.reject(new PriorityQueueFullError(this.maxQueued));
      signal?.addEventListener(
        'abort',
        () => {
          const i = this.waiting.indexOf(waiter);
          if (i >= 0) {
            this.waiting.splice(i, 1);
            reject(signal.reason);
          }
        },
        { once: true },
      );
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next.resolve(this.releaser());
      else this.active--;
    };
  }
}
