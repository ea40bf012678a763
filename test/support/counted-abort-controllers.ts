/**
 * Counts the AbortControllers made while installed (globalThis.AbortController replaced by a counting subclass);
 * `restore` puts Node's back.
 */
export function countAbortControllers(): { made: () => number; restore: () => void } {
  const NodeAbortController = globalThis.AbortController;
  let made = 0;
  globalThis.AbortController = class CountedAbortController extends NodeAbortController {
    constructor() {
      super();
      made++;
    }
  };
  return {
    made: () => made,
    restore: () => {
      globalThis.AbortController = NodeAbortController;
    },
  };
}
