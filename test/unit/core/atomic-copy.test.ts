import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyFileAtomic } from '../../../core/fs/atomic-copy';

describe('Module: atomic-copy', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-atomic-copy-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe('Function: copyFileAtomic', () => {
    it('replaces the target with the source, with the mode asked, leaving no temp file', async () => {
      // Prepare
      const source = join(dir, 'source');
      writeFileSync(source, 'new content');
      const target = join(dir, 'bin', 'tool');
      await copyFileAtomic(join(dir, 'source'), target, 0o600);
      writeFileSync(source, 'newer content');

      // Act
      await copyFileAtomic(source, target, 0o755);

      // Assess
      expect(readFileSync(target, 'utf8')).toBe('newer content');
      expect(statSync(target).mode & 0o777).toBe(0o755);
      expect(readdirSync(join(dir, 'bin'))).toEqual(['tool']);
    });

    it('copies a large file without holding it in the process memory', async () => {
      // Prepare
      const source = join(dir, 'large');
      const size = 64 * 2 ** 20;
      writeFileSync(source, Buffer.alloc(size, 7));
      global.gc?.();
      const before = process.memoryUsage().arrayBuffers;

      // Act
      await copyFileAtomic(source, join(dir, 'copy'), 0o755);

      // Assess
      expect(statSync(join(dir, 'copy')).size).toBe(size);
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * 2 ** 20);
    });

    it('leaves the target untouched and no temp file when the source is missing', async () => {
      // Prepare
      const target = join(dir, 'tool');
      writeFileSync(target, 'old');

      // Act
      const copying = copyFileAtomic(join(dir, 'missing'), target);

      // Assess
      await expect(copying).rejects.toThrow(/ENOENT/);
      expect(readFileSync(target, 'utf8')).toBe('old');
      expect(readdirSync(dir)).toEqual(['tool']);
    });
  });
});
