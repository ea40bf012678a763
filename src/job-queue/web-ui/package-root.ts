import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The folder of the package's package.json, found upwards from this file: the same answer whether it runs from
 * src/ (ts-jest, ts-node), from dist/ (npm start) or from node_modules/<package>/dist in a host app.
 */
export function packageRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No package.json above ${from}`);
  }
}
