/** `npm run demo`'s process entry: runs the demo and sets the exit code from its verdict. */
import { demoMain } from './main';

demoMain().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`demo: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
