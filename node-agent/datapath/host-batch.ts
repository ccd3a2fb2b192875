/**
 * The node-side `ip` lines of pods wired at the same time, run as one `ip -batch` exec: while
 * a batch runs, the next pods' lines gather and go together once it ends, so a burst of
 * pods costs a few `ip` processes instead of one each. A lone pod's lines go at once.
 * The batch runs with `-force`, so every pod's lines run whatever another pod's do, and
 * iproute2's "Command failed -:N" after each failing line's message tells whose it was:
 * each pod sees only its own failures, as if its lines had run alone.
 */
import { CommandError, ipBatch, type Netns } from '../ns';

/** Runs the lines with `-force`, answering stderr's non-empty lines (none when all succeeded). */
export type ForcedBatch = (ns: Netns, lines: string[]) => Promise<string[]>;

const runForced: ForcedBatch = (ns, lines) => ipBatch(ns, lines, 'tolerant');

const FAILED_LINE = /^Command failed -:(\d+)$/;

/** Each failing line's messages, by the line's number in the batch (from 1). */
export function failuresByLine(stderr: readonly string[]): Map<number, string[]> {
  const failures = new Map<number, string[]>();
  let messages: string[] = [];
  for (const line of stderr) {
    const failed = FAILED_LINE.exec(line);
    if (failed === null) {
      messages.push(line);
      continue;
    }
    failures.set(Number(failed[1]), messages);
    messages = [];
  }
  return failures;
}

interface Waiting {
  lines: string[];
  resolve(): void;
  reject(error: unknown): void;
}

export interface HostBatch {
  /** Runs one pod's lines; rejects with a CommandError naming its first failing line. */
  run(lines: string[]): Promise<void>;
}

export function createHostBatch(ns: Netns, forced: ForcedBatch = runForced): HostBatch {
  let waiting: Waiting[] = [];
  let running = false;

  async function drain(): Promise<void> {
    running = true;
    while (waiting.length > 0) {
      const batch = waiting;
      waiting = [];
      const lines = batch.flatMap((w) => w.lines);
      let stderr: string[];
      try {
        stderr = await forced(ns, lines);
      } catch (error) {
        for (const w of batch) w.reject(error);
        continue;
      }
      settle(batch, failuresByLine(stderr), stderr);
    }
    running = false;
  }

  return {
    run(lines) {
      if (lines.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        waiting.push({ lines, resolve, reject });
        if (!running) void drain();
      });
    },
  };
}

/** Hands each pod its own outcome; stderr with no line numbers fails every pod of the batch. */
function settle(batch: readonly Waiting[], failures: Map<number, string[]>, stderr: string[]): void {
  const unattributed = failures.size === 0 && stderr.length > 0;
  let first = 1;
  for (const w of batch) {
    const own = w.lines.findIndex((_, i) => failures.has(first + i));
    if (unattributed || own >= 0) {
      const messages = unattributed ? stderr : failures.get(first + own)!;
      w.reject(
        new CommandError(`ip -batch (${w.lines.join('; ')})`, {
          code: 1,
          stdout: '',
          stderr: messages.join('\n'),
        }),
      );
    } else {
      w.resolve();
    }
    first += w.lines.length;
  }
}
