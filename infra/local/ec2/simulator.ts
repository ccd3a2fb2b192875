import { InvalidInputError } from '../../../core/errors';
import { closeServer, listenOnLoopback } from '../loopback';
import { FaultInjector } from './faults';
import { Ec2Model } from './model/ec2-model';
import { applyScenario, loadScenarioFile, type Scenario, type ScenarioResult } from './scenario';
import { createEc2Server, type SimulatorParts } from './server';
import { type SimStats, StatsRecorder } from './stats';
import { type BucketOverrides, Throttler } from './throttling';

export interface Ec2SimulatorOptions {
  /** 0 (default) picks a free port. The simulator listens on 127.0.0.1 only. */
  readonly port?: number;
  readonly region?: string;
  /** How long a new attachment stays `attaching` (default 100 ms). */
  readonly attachDelayMs?: number;
  /** How long a detachment stays `detaching` (default 100 ms). */
  readonly detachDelayMs?: number;
  /** How long a new instance stays `pending` (default 0: running on the next tick). */
  readonly launchDelayMs?: number;
  /** How long a terminated instance stays `shutting-down` (default 0). */
  readonly terminateDelayMs?: number;
  /** EC2's token buckets on (default), off, or on with some sizes replaced. */
  readonly throttling?: boolean | BucketOverrides;
  /** Added before every EC2 call is answered (default 0). */
  readonly latencyMs?: number;
  /** A scenario object, or the path of a scenario JSON file, applied before the server starts. */
  readonly scenario?: string | Scenario;
}

export interface Ec2Simulator {
  /** http://127.0.0.1:<port>, for EC2Client's `endpoint`. */
  readonly endpoint: string;
  readonly region: string;
  readonly model: Ec2Model;
  /** Names of the scenario's resources mapped to their ids (empty without a scenario). */
  readonly scenario: ScenarioResult;
  readonly faults: FaultInjector;
  stats(): SimStats;
  resetStats(): void;
  /** Latency added to every call, or to one action's calls when `action` is given. */
  setLatency(ms: number, action?: string): void;
  setThrottling(setting: boolean | BucketOverrides): void;
  stop(): Promise<void>;
}

const EMPTY_SCENARIO: ScenarioResult = { vpcs: {}, subnets: {}, securityGroups: {}, instances: {} };

export async function startEc2Simulator(options: Ec2SimulatorOptions = {}): Promise<Ec2Simulator> {
  const model = new Ec2Model({
    region: options.region,
    timing: {
      ...(options.attachDelayMs !== undefined && { attachDelayMs: options.attachDelayMs }),
      ...(options.detachDelayMs !== undefined && { detachDelayMs: options.detachDelayMs }),
      ...(options.launchDelayMs !== undefined && { launchDelayMs: options.launchDelayMs }),
      ...(options.terminateDelayMs !== undefined && { terminateDelayMs: options.terminateDelayMs }),
    },
  });
  const scenario =
    options.scenario === undefined
      ? EMPTY_SCENARIO
      : applyScenario(
          model,
          typeof options.scenario === 'string' ? loadScenarioFile(options.scenario) : options.scenario,
        );
  const parts: SimulatorParts = {
    model,
    throttler: new Throttler(),
    faults: new FaultInjector(),
    stats: new StatsRecorder(),
    latencyMs: options.latencyMs ?? 0,
    actionLatencyMs: new Map(),
  };
  if (options.throttling !== undefined) parts.throttler.configure(options.throttling);
  const server = createEc2Server(parts);
  const endpoint = await listenOnLoopback(server, options.port);
  return {
    endpoint,
    region: model.region,
    model,
    scenario,
    faults: parts.faults,
    stats: () => parts.stats.snapshot(),
    resetStats: () => parts.stats.reset(),
    setLatency: (ms, action) => {
      if (!Number.isInteger(ms) || ms < 0) throw new InvalidInputError('latencyMs', ms, 'an integer >= 0');
      if (action) parts.actionLatencyMs.set(action, ms);
      else parts.latencyMs = ms;
    },
    setThrottling: (setting) => parts.throttler.configure(setting),
    stop: async () => {
      model.dispose();
      await closeServer(server);
    },
  };
}
