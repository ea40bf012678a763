import type { Client } from 'graphql-ws';

export const PROGRESS_SUBSCRIPTION = `subscription($jobId: ID!) {
  jobProgress(jobId: $jobId) { jobId status progress stage bytesProcessed totalBytes at }
}`;

export interface SubscriptionRun<T> {
  /** Every `data` payload received, in order. */
  updates: T[];
  /** Resolves when the server completes the subscription; rejects on an error message. */
  finished: Promise<T[]>;
  /** Resolves once the first payload arrived (the subscription is live on the server). */
  firstUpdate: Promise<void>;
  cancel(): void;
}

/** Subscribes with a real graphql-ws client and collects what arrives under `field`. */
export function subscribe<T = any>(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
  field: string,
): SubscriptionRun<T> {
  const updates: T[] = [];
  let markFirst: () => void = () => undefined;
  const firstUpdate = new Promise<void>((resolve) => (markFirst = resolve));
  let cancel: () => void = () => undefined;
  const finished = new Promise<T[]>((resolve, reject) => {
    cancel = client.subscribe<Record<string, T>>(
      { query, variables },
      {
        next: (message) => {
          if (message.errors?.length) {
            reject(Object.assign(new Error(message.errors[0].message), { errors: message.errors }));
            return;
          }
          updates.push(message.data![field]);
          markFirst();
        },
        error: (error) =>
          reject(
            Array.isArray(error) ? Object.assign(new Error(error[0].message), { errors: error }) : (error as Error),
          ), // a CloseEvent or an Error, passed on as it came
        complete: () => resolve(updates),
      },
    );
  });
  return { updates, finished, firstUpdate, cancel: () => cancel() };
}
