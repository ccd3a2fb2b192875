/** `npm run bench [-- [--quick] [name...]]`: every benchmark, or the named ones. */
import { agentMemory } from './agent-memory/agent-memory';
import { controlPlane } from './control-plane/control-plane';
import { datapath } from './datapath/datapath';
import { runBenchmarks } from './lib/runner';
import { pluginLatency } from './plugin-latency/plugin-latency';
import { scaleUp } from './scale-up/scale-up';

const BENCHMARKS = [pluginLatency, agentMemory, datapath, scaleUp, controlPlane];

void runBenchmarks(BENCHMARKS, process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  // Simulators and clients may leave keep-alive sockets; the figures are written by now.
  setTimeout(() => process.exit(code), 500).unref();
});
