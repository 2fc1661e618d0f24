import { describe, expect, it } from 'vitest';
import { PriorityGate, PriorityQueueFullError } from './priority.js';

describe('PriorityGate', () => {
  it('admits waiters by stake, highest first, FIFO among equals', async () => {
    const gate = new PriorityGate(1, 10);
    const release = await gate.acquire(0);
    const order: string[] = [];
    // Each waiter releases as soon as it is admitted, handing the slot to the next in line.
    const wait = (label: string, stake: number) => gate.acquire(stake).then((r) => (order.push(label), r()));
    const pending = [wait('low', 10), wait('high', 1000), wait('mid-a', 100), wait('mid-b', 100)];
    release();
    await Promise.all(pending);
    expect(order).toEqual(['high', 'mid-a', 'mid-b', 'low']);
    expect(gate.stats).toEqual({ active: 0, waiting: 0 });
  });

  it('refuses the lowest-stake waiter when the queue overflows', async () => {
    const gate = new PriorityGate(1, 2);
    await gate.acquire(0);
    const a = gate.acquire(5);
    const b = gate.acquire(50);
    const c = gate.acquire(500); // pushes out the stake-5 waiter
    await expect(a).rejects.toBeInstanceOf(PriorityQueueFullError);
    const d = gate.acquire(1); // lower than everyone waiting: refused itself
    await expect(d).rejects.toBeInstanceOf(PriorityQueueFullError);
    expect(gate.stats).toEqual({ active: 1, waiting: 2 });
    void b;
    void c;
  });

  it('drops a waiter whose signal aborts', async () => {
    const gate = new PriorityGate(1, 5);
    const release = await gate.acquire(0);
    const controller = new AbortController();
    const waiting = gate.acquire(10, controller.signal);
    controller.abort(new Error('timeout'));
    await expect(waiting).rejects.toThrow('timeout');
    expect(gate.stats.waiting).toBe(0);
    release();
    expect(gate.stats.active).toBe(0);
  });
});
