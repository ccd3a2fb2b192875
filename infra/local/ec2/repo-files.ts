import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Finds a data file of the repository from code that may run from the sources or from the
 * compiled copy under dist/js, which holds no data files: walks up from this module.
 */
export function findRepoFile(relativePath: string): string {
  let dir = __dirname;
  for (;;) {
    const candidate = join(dir, relativePath);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find ${relativePath} in any directory above ${__dirname}`);
    dir = parent;
  }
}
