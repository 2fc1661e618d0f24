import { DeadlineExceededError } from '@neural-condense/sdk';

/**
 * An AbortSignal that fires at `deadline` or when `parent` aborts, whichever comes first.
 * `dispose` clears the timer so finished requests leave nothing behind.
 */
export function deadlineSignal(deadline: number, now: number, parent?: AbortSignal): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DeadlineExceededError(`deadline passed after ${Math.max(0, deadline - now)} ms`)), Math.max(0, deadline - now));
  timer.unref?.();
  const onParent = () => controller.abort(parent?.reason ?? new DeadlineExceededError('request aborted by the caller'));
  if (parent?.aborted) onParent();
  else parent?.addEventListener('abort', onParent, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}
