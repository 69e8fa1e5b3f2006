/** A bounded wait ran out; the message says what was awaited and what was seen. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface WaitForOptions {
  /** What is awaited, for the timeout message (e.g. "every build to end"). */
  readonly what: string;
  readonly timeoutMs: number;
  /** Between two checks (default 20 ms). */
  readonly intervalMs?: number;
  /** Adds what was seen last to the timeout message. */
  readonly detail?: () => string;
  readonly signal?: AbortSignal;
}

/**
 * Checks `condition` every `intervalMs` until it holds.
 *
 * @throws WaitTimeoutError after `timeoutMs`, naming `what` (and `detail()`).
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, options: WaitForOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() >= deadline) {
      const detail = options.detail ? `: ${options.detail()}` : '';
      throw new WaitTimeoutError(`Timed out after ${options.timeoutMs} ms waiting for ${options.what}${detail}`);
    }
    await sleep(options.intervalMs ?? 20, options.signal);
  }
}
