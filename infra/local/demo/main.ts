/**
 * Entry of `npm run demo`: refuses clearly without root or with bad options, turns Ctrl-C
 * and SIGTERM into an orderly stop (the demo cleans up everything it made), and sets the
 * exit code from the verdict.
 */
import { InvalidInputError } from '../../../core/errors';
import { runDemo } from './demo';
import { DEMO_USAGE, parseDemoOptions } from './options';
import { createProgress } from './progress';

const NEEDS_ROOT = `npm run demo needs root: it creates network namespaces, veth pairs, routes,
policy rules and iptables chains for the simulated VPC, its nodes and pods (CAP_NET_ADMIN and
CAP_SYS_ADMIN), and runs the plugin as a container runtime would. Try: sudo npm run demo`;

/**
 * The AWS SDK warns once per process about Node versions it will stop supporting; in the
 * middle of the demo's tables it reads like a failure. Its own switch turns it off.
 */
function quietSdkVersionWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

export interface DemoProcess {
  readonly argv: readonly string[];
  /** The caller's user id; undefined where the platform has none. */
  readonly uid: number | undefined;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export async function demoMain(proc: DemoProcess = defaultProcess()): Promise<number> {
  quietSdkVersionWarning();
  let options: ReturnType<typeof parseDemoOptions>;
  try {
    options = parseDemoOptions([...proc.argv]);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    proc.stderr.write(`demo: ${error.message}\n`);
    return 2;
  }
  if (options.help) {
    proc.stdout.write(`${DEMO_USAGE}\n`);
    return 0;
  }
  if (proc.uid !== 0) {
    proc.stderr.write(`demo: ${NEEDS_ROOT}\n`);
    return 1;
  }

  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (abort.signal.aborted) {
      proc.stderr.write(`\ndemo: ${signal} again: still cleaning up, please wait\n`);
      return;
    }
    proc.stderr.write(`\ndemo: ${signal}: stopping and cleaning up\n`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  try {
    return await runDemo({
      options,
      progress: createProgress(process.stdout),
      out: (line) => proc.stdout.write(`${line}\n`),
      signal: abort.signal,
      prefix: `demo${process.pid}`,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
  }
}

function defaultProcess(): DemoProcess {
  return {
    argv: process.argv.slice(2),
    uid: process.getuid?.(),
    stdout: process.stdout,
    stderr: process.stderr,
  };
}
