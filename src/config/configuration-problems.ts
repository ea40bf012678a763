/** Returns `config`, or throws one error listing every problem found reading it, each naming its variable. */
export function validConfiguration<T>(config: T, problems: string[]): T {
  if (problems.length > 0) throw new Error(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return config;
}
