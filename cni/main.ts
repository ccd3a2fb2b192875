/** The ledger-cni plugin binary: runs one CNI command and sets the exit code (never exits early, so stdout flushes). */
import { run } from './run';
import { readStdin } from './stdin';

void readStdin()
  .then((stdin) =>
    run({
      env: process.env,
      stdin,
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
    }),
  )
  .then((code) => {
    process.exitCode = code;
  });
