/**
 * A file copied into place atomically and durably, without passing through the process's
 * memory: the kernel copies it (copy_file_range), so installing a ~100 MB executable does
 * not leave a 100 MB buffer in a long-running process's RSS until some later GC.
 */
import { chmod, constants, copyFile, open } from 'node:fs/promises';
import { replaceAtomically } from './atomic-file';

export function copyFileAtomic(source: string, path: string, mode = 0o644): Promise<void> {
  return replaceAtomically(path, async (temp) => {
    await copyFile(source, temp, constants.COPYFILE_EXCL);
    await chmod(temp, mode);
    const file = await open(temp, 'r');
    try {
      await file.sync();
    } finally {
      await file.close();
    }
  });
}
