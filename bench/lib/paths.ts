/** Paths inside the repository, found from this file whether it runs from source or dist/js. */
import { existsSync } from 'node:fs';
import path from 'node:path';

export function packageRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export function repoPath(...parts: string[]): string {
  return path.join(packageRoot(), ...parts);
}
