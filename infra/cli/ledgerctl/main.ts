/** ledgerctl's entry: runs the command line and turns errors into exit codes. */
import { runLedgerctl, USAGE, UsageError } from './commands';

runLedgerctl({
  argv: process.argv.slice(2),
  env: process.env,
  out: (t) => process.stdout.write(`${t}\n`),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`ledgerctl: ${message}\n`);
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${USAGE}\n`);
      process.exitCode = 2;
    } else {
      process.exitCode = 1;
    }
  },
);
