import { describe, expect, it } from 'vitest';
import { DeadlineExceededError } from '@neural-condense/sdk';
import { JobQueue, QueueFullError } from './job-queue.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe('JobQueue', () => {
  it('runs one job at a time, in arrival order', async () => {
    const q = new JobQueue(5);
    const order: string[] = [];
    const g = gate();
    const a = q.run(async () => {
      order.push('a start');
      await g.opened;
      order.push('a end');
    });
    const b = q.run(async () => void order.push('b'));
    const c = q.run(async () => void order.push('c'));
    expect(q.depth).toBe(3);
    g.open();
    await Promise.all([a, b, c]);
    expect(order).toEqual(['a start', 'a end', 'b', 'c']);
    expect(q.depth).toBe(0);
  });

  it('reports every depth change', async () => {
    const depths: number[] = [];
    const q = new JobQueue(5, (d) => depths.push(d));
    const g = gate();
    const a = q.run(() => g.opened);
    const controller = new AbortController();
    const b = q.run(async () => 'b', controller.signal);
    const c = q.run(async () => 'c');
    controller.abort(new DeadlineExceededError('late'));
    await expect(b).rejects.toThrow('late');
    g.open();
    await Promise.all([a, c]);
    expect(depths).toEqual([1, 2, 3, 2, 1, 0]);
  });

  it('refuses a job when maxWaiting jobs already wait', async () => {
    const q = new JobQueue(1);
    const g = gate();
    const a = q.run(() => g.opened);
    const b = q.run(async () => 'b');
    await expect(q.run(async () => 'c')).rejects.toBeInstanceOf(QueueFullError);
    g.open();
    await a;
    expect(await b).toBe('b');
  });

  it('drops a waiting job whose signal aborts, without running it', async () => {
    const q = new JobQueue(3);
    const g = gate();
    const a = q.run(() => g.opened);
    const controller = new AbortController();
    let ran = false;
    const b = q.run(async () => void (ran = true), controller.signal);
    controller.abort(new DeadlineExceededError('late'));
    await expect(b).rejects.toThrow('late');
    expect(q.depth).toBe(1);
    g.open();
    await a;
    expect(ran).toBe(false);
  });

  it('close() refuses new jobs and waits for running and waiting ones', async () => {
    const q = new JobQueue(3);
    const g = gate();
    const done: string[] = [];
    const a = q.run(async () => {
      await g.opened;
      done.push('a');
    });
    const b = q.run(async () => void done.push('b'));
    const closed = q.close().then(() => done.push('closed'));
    await expect(q.run(async () => 'late')).rejects.toThrow(/shutting down/);
    g.open();
    await Promise.all([a, b, closed]);
    expect(done).toEqual(['a', 'b', 'closed']);
  });
});
