import { readFileSync } from 'node:fs';

/** The `version` of a package.json, read as data rather than imported as a module. */
export function packageVersion(packageJsonPath: string): string {
  return (JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { version: string }).version;
}
