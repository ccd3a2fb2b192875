/** The ledger-cni plugin binary: runs one CNI command and sets the exit code (never exits early). */
import { writeSync } from 'node:fs';
import { run } from './run';
import { readStdin } from './stdin';

/**
 * Written synchronously, so nothing is left unflushed at exit; process.stdout would also
 * build a stream object for a pipe, a millisecond of every plugin start.
 */
function writeAll(fd: number, text: string): void {
  let rest = Buffer.from(text);
  while (rest.length > 0) {
    try {
      rest = rest.subarray(writeSync(fd, rest));
    } catch (error) {
      // A runtime may hand us a non-blocking pipe; its reader is draining it, so try again.
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
  }
}

void readStdin()
  .then((stdin) =>
    run({
      env: process.env,
      stdin,
      stdout: (text) => writeAll(1, text),
      stderr: (text) => writeAll(2, text),
    }),
  )
  .then((code) => {
    process.exitCode = code;
  });
