/**
 * A long-lived `sh` that runs commands one after another. Spawning from the agent forks a
 * process of ~100 MB of mappings and blocks its event loop until the child has exec'd
 * (2-3 ms per `ip` on a busy node); the shell is small, so its forks are cheap and the
 * agent only writes a line and reads the answer. Each command's stdout and stderr end with
 * a NUL marker the shell prints after it exits (the stdout one carries the exit status).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { DependencyError } from '../core/errors';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

interface Pending {
  resolve(result: ExecResult): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Longest a command may take, queueing behind the shell's others included: a command that
 * hangs (an `ip` stuck on a kernel lock) must not hold every later pod's ADD behind it.
 */
const DEFAULT_COMMAND_TIMEOUT_MS = 60_000;

/** Single-quoted for sh: nothing inside is expanded. */
function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

const STATUS = /^\0(\d+)\n/;

export class CommandShell {
  private child: ChildProcessWithoutNullStreams | undefined;
  private readonly pending: Pending[] = [];
  private out = '';
  private err = '';
  private readonly outs: { code: number; text: string }[] = [];
  private readonly errs: string[] = [];
  /** Ends each command's stdin here-document; random, so no input line can close it early. */
  private readonly delimiter = `LEDGER_${randomBytes(8).toString('hex')}`;

  constructor(private readonly timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS) {}

  /** Commands written and not yet answered. */
  get queued(): number {
    return this.pending.length;
  }

  run(file: string, args: string[], input = ''): Promise<ExecResult> {
    const text = input === '' || input.endsWith('\n') ? input : `${input}\n`;
    if (text.split('\n').includes(this.delimiter)) {
      return Promise.reject(new DependencyError('command input holds the shell delimiter'));
    }
    const script =
      `${[file, ...args].map(quote).join(' ')} <<'${this.delimiter}'\n${text}${this.delimiter}\n` +
      `printf '\\0%d\\n' $?; printf '\\0\\n' >&2\n`;
    const child = this.child ?? this.start();
    return new Promise<ExecResult>((resolve, reject) => {
      const timer = setTimeout(
        () => this.abandon(child, `${file} took longer than ${this.timeoutMs} ms`),
        this.timeoutMs,
      );
      timer.unref();
      this.pending.push({ resolve, reject, timer });
      this.setRef(true);
      child.stdin.write(script);
    });
  }

  private start(): ChildProcessWithoutNullStreams {
    // Its own process group, so a hung command can be killed with the shell.
    const child = spawn('sh', ['-s'], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.child = child;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      this.out += chunk;
      this.takeOutputs();
    });
    child.stderr.on('data', (chunk: string) => {
      this.err += chunk;
      this.takeOutputs();
    });
    child.stdin.on('error', () => undefined);
    child.on('error', (error) => this.fail(child, `cannot run sh: ${error.message}`));
    child.on('close', (code, signal) => this.fail(child, `the command shell exited (${signal ?? code})`));
    return child;
  }

  private takeOutputs(): void {
    for (let at = this.out.indexOf('\0'); at >= 0; at = this.out.indexOf('\0')) {
      const status = STATUS.exec(this.out.slice(at));
      if (status === null) break;
      this.outs.push({ code: Number(status[1]), text: this.out.slice(0, at) });
      this.out = this.out.slice(at + status[0].length);
    }
    for (let at = this.err.indexOf('\0\n'); at >= 0; at = this.err.indexOf('\0\n')) {
      this.errs.push(this.err.slice(0, at));
      this.err = this.err.slice(at + 2);
    }
    while (this.outs.length > 0 && this.errs.length > 0) {
      const out = this.outs.shift()!;
      const stderr = this.errs.shift()!;
      const done = this.pending.shift();
      if (done === undefined) continue;
      clearTimeout(done.timer);
      done.resolve({ code: out.code, stdout: out.text, stderr });
    }
    if (this.pending.length === 0) this.setRef(false);
  }

  /** Commands in flight fail; the next command starts a new shell. */
  private fail(child: ChildProcessWithoutNullStreams, reason: string): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.out = '';
    this.err = '';
    this.outs.length = 0;
    this.errs.length = 0;
    for (const waiting of this.pending.splice(0)) {
      clearTimeout(waiting.timer);
      waiting.reject(new DependencyError(reason));
    }
  }

  /** Kills the shell and whatever it runs; the commands in flight fail, the next gets a new shell. */
  private abandon(child: ChildProcessWithoutNullStreams, reason: string): void {
    if (this.child !== child) return;
    this.fail(child, reason);
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }

  /** An idle shell must not keep the agent (or a test) from exiting. */
  private setRef(on: boolean): void {
    const child = this.child;
    if (child === undefined) return;
    for (const stream of [child.stdin, child.stdout, child.stderr] as unknown as Socket[]) {
      if (on) stream.ref();
      else stream.unref();
    }
    if (on) child.ref();
    else child.unref();
  }
}
