/**
 * A file copied into place atomically and durably, without passing through the process's
 * memory: the kernel copies it (copy_file_range), so installing a ~100 MB executable does
 * not leave a 100 MB buffer in a long-running process's RSS until some later GC.
 */
import { randomBytes } from 'node:crypto';
import { chmod, constants, copyFile, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { syncDirectory } from './atomic-file';

export async function copyFileAtomic(source: string, path: string, mode = 0o644): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await copyFile(source, temp, constants.COPYFILE_EXCL);
    await chmod(temp, mode);
    const file = await open(temp, 'r');
    try {
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dir);
}
