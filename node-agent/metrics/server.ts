/** Serves the agent's registry on /metrics (LEDGER_METRICS_BIND_ADDRESS, :61678 by default). */
import type { BindAddress } from '../config/types';
import { type HttpEndpoint, listen } from '../introspection/http-listen';
import type { AgentMetrics } from './registry';

export function startMetricsServer(bind: BindAddress, metrics: AgentMetrics): Promise<HttpEndpoint> {
  return listen(bind, async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://metrics').pathname;
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('only GET /metrics is served here\n');
      return;
    }
    const body = await metrics.registry.metrics();
    res.writeHead(200, { 'content-type': metrics.registry.contentType });
    res.end(body);
  });
}
