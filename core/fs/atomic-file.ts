/**
 * Files replaced atomically and durably: readers see the old or the new content, never a
 * torn write, and after the promise resolves the new content survives a power cut
 * (temp file + fsync + rename + fsync of the directory).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Puts a new file at `path`: `fill` writes and fsyncs a temp file beside it (same directory,
 * so the rename is atomic); the rename and the directory entry are then made durable.
 */
export async function replaceAtomically(path: string, fill: (temp: string) => Promise<void>): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await fill(temp);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dir);
}

export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  return replaceAtomically(path, async (temp) => {
    const file = await open(temp, 'wx', mode);
    try {
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
  });
}

/** The rename is only durable once the directory entry itself is on disk. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
