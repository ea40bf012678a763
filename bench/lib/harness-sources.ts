/**
 * What the processes the bench forks run, by folder from the repository's root: the bench, and the subscription
 * documents its clients share with the tests. transpileHarness() (compiled-harness.ts) writes their JavaScript;
 * harness-hook.ts runs it. Imports nothing: the hook loads it from bench/.build with no compiler.
 */
export const HARNESS_SOURCES = ['bench', 'test/support'];
