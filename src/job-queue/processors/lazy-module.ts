/**
 * A library loaded at its first use instead of at boot, then kept. The promise is shared, so that jobs starting
 * together wait for one load; a failed load is forgotten, so that the next job tries again.
 */
export function lazyModule<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () =>
    (loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    }));
}
