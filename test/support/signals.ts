import type { INestApplication } from '@nestjs/common';
import { WorkerPoolService } from '../../src/job-queue';
import { waitFor } from './test-app';

/**
 * What tests wait on instead of fixed sleeps. A test waits for a condition (waitFor in test-app.ts) or for a product
 * signal (nextCall, workersIdle below). The only timers are here, where the time itself is the meaning:
 * simulateWork (a processor that takes a while), observeFor (a negative observation: "X did not happen during Y ms",
 * or sampling through a span of fixed length), settlesWithin (a deadline on a signal), and the short polls.
 */

/** Resolves after `ms`; with a signal, rejects with its reason as soon as it aborts. The timer never holds the process. */
export function simulateWork(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(resolve, ms);
    timer.unref();
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });
}

/**
 * Samples `probe` every `intervalMs` for `ms` (a first sample at once, a last one at the end) and resolves with every
 * sample in order. For negative observations, where the span is the test's meaning: assert on the samples
 * (e.g. `expect(new Set(samples)).toEqual(new Set([0]))`).
 */
export async function observeFor<T>(ms: number, probe: () => T | Promise<T>, intervalMs = 10): Promise<T[]> {
  const end = Date.now() + ms;
  const samples: T[] = [];
  for (;;) {
    samples.push(await probe());
    const left = end - Date.now();
    if (left <= 0) return samples;
    await simulateWork(Math.min(intervalMs, left));
  }
}

/** Resolves with the promise's value, or with undefined when it has not settled within `ms`. */
export async function settlesWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Waits until the wall clock is past `instant` (polls every millisecond): rows written after this get a later
 * millisecond timestamp than rows written at `instant`.
 */
export async function clockPasses(instant: Date | number): Promise<void> {
  const time = typeof instant === 'number' ? instant : instant.getTime();
  await waitFor(() => Date.now() > time, 1_000, 1);
}

type Method = (...args: never[]) => unknown;
type MethodKeys<T> = { [K in keyof T]: T[K] extends Method ? K : never }[keyof T];

/**
 * A product signal: resolves with the (awaited) result of the next call of `target[method]` whose arguments
 * `matches` accepts, once that call has returned; rejects with its error. The method itself still runs unchanged,
 * and the instance's own method is restored after that call.
 */
export function nextCall<T extends object, K extends MethodKeys<T>>(
  target: T,
  method: K,
  matches: (...args: Parameters<Extract<T[K], Method>>) => boolean = () => true,
): Promise<Awaited<ReturnType<Extract<T[K], Method>>>> {
  type Args = Parameters<Extract<T[K], Method>>;
  type Result = ReturnType<Extract<T[K], Method>>;
  const slots = target as Record<K, unknown>;
  const hadOwn = Object.prototype.hasOwnProperty.call(target, method);
  const original = slots[method] as (this: unknown, ...args: Args) => Result;
  const restore = () => {
    if (hadOwn) slots[method] = original;
    else delete slots[method];
  };
  return new Promise((resolve, reject) => {
    slots[method] = function (this: unknown, ...args: Args): Result {
      const result = original.apply(this, args);
      if (matches(...args)) {
        restore();
        Promise.resolve(result).then(resolve, reject);
      }
      return result;
    };
  });
}

/**
 * Waits until every app's worker pool sleeps out its whole fallback poll with nothing running: it looked for a due
 * job and found none, so no run is in flight and none is about to start (see WorkerPoolService.sleepsUntilPoll).
 */
export async function workersIdle(apps: INestApplication[], timeoutMs = 15_000): Promise<void> {
  const pools = apps.map((app) => app.get(WorkerPoolService));
  await waitFor(() => pools.every((pool) => pool.sleepsUntilPoll), timeoutMs, 10);
}
