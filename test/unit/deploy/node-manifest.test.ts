import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULTS, KNOWN_VARIABLES, parseAgentConfig } from '../../../node-agent/config';
import { fieldErrors, type KubeObject, parseManifest, schemaErrors } from './kube-schema';

const MANIFEST = path.join(__dirname, '..', '..', '..', 'infra', 'kubernetes', 'ledger-cni.yaml');

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { configMapKeyRef?: { name: string; key: string } };
}
interface Mount {
  name: string;
  mountPath: string;
  mountPropagation?: string;
}
interface Container {
  name: string;
  command?: string[];
  env?: EnvVar[];
  ports?: { name: string; containerPort: number }[];
  readinessProbe?: { httpGet?: { host?: string; port: number; path: string } };
  livenessProbe?: { httpGet?: { host?: string; port: number; path: string } };
  securityContext?: { privileged?: boolean; capabilities?: { add?: string[]; drop?: string[] } };
  volumeMounts?: Mount[];
}
interface PodSpec {
  hostNetwork?: boolean;
  dnsPolicy?: string;
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  initContainers: Container[];
  containers: Container[];
  volumes: { name: string; hostPath?: { path: string } }[];
}

/** AWS VPC CNI defaults from its README, for every such variable the manifest sets. */
const AWS_VPC_CNI_DEFAULTS: Record<string, string> = {
  ADDITIONAL_ENI_TAGS: '{}',
  AWS_VPC_CNI_NODE_PORT_SUPPORT: 'true',
  AWS_VPC_ENI_MTU: '9001',
  AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'false',
  AWS_VPC_K8S_CNI_EXTERNALSNAT: 'false',
  AWS_VPC_K8S_CNI_RANDOMIZESNAT: 'prng',
  AWS_VPC_K8S_CNI_VETHPREFIX: 'eni',
  AWS_VPC_K8S_CNI_LOGLEVEL: 'DEBUG',
  AWS_VPC_K8S_PLUGIN_LOG_LEVEL: 'DEBUG',
  DISABLE_INTROSPECTION: 'false',
  DISABLE_METRICS: 'false',
  DISABLE_POD_V6: 'false',
  ENABLE_BANDWIDTH_PLUGIN: 'false',
  ENABLE_PREFIX_DELEGATION: 'false',
  INTROSPECTION_BIND_ADDRESS: '127.0.0.1:61679',
  IP_COOLDOWN_PERIOD: '30',
  HOST_CNI_BIN_PATH: '/host/opt/cni/bin',
  HOST_CNI_CONFDIR_PATH: '/host/etc/cni/net.d',
};

describe('Manifest: infra/kubernetes/ledger-cni.yaml', () => {
  let objects: KubeObject[];
  let configMap: { data: Record<string, string> };
  let pod: PodSpec;
  let agent: Container;
  let init: Container;
  let env: Record<string, string>;

  beforeAll(() => {
    // Prepare: parse once, resolve the ConfigMap references as the kubelet would
    objects = parseManifest(fs.readFileSync(MANIFEST, 'utf8'));
    configMap = objects.find((o) => o.kind === 'ConfigMap') as unknown as typeof configMap;
    const daemonSet = objects.find((o) => o.kind === 'DaemonSet') as unknown as {
      spec: { template: { spec: PodSpec } };
    };
    pod = daemonSet.spec.template.spec;
    agent = pod.containers.find((c) => c.name === 'ledger-agent')!;
    init = pod.initContainers.find((c) => c.name === 'ledger-cni-init')!;
    env = Object.fromEntries(
      (agent.env ?? []).map((e) => {
        const ref = e.valueFrom?.configMapKeyRef;
        return [e.name, ref ? configMap.data[ref.key]! : e.value!];
      }),
    );
  });

  describe('Part: Kubernetes API schema', () => {
    it('holds exactly a ServiceAccount, a ConfigMap and a DaemonSet in kube-system', () => {
      // Assess
      expect(objects.map((o) => `${o.apiVersion}/${o.kind}`)).toEqual([
        'v1/ServiceAccount',
        'v1/ConfigMap',
        'apps/v1/DaemonSet',
      ]);
      for (const o of objects) {
        expect(o.metadata).toMatchObject({ name: 'ledger-cni', namespace: 'kube-system' });
      }
    });

    it('passes the OpenAPI validators of every object', () => {
      // Act
      const errors = objects.flatMap(schemaErrors);

      // Assess
      expect(errors).toEqual([]);
    });

    it('uses no field the API types do not define', () => {
      // Act
      const errors = fieldErrors(objects);

      // Assess
      expect(errors).toEqual([]);
    });

    it('would catch a misspelt field and a wrong type (the checks can fail)', () => {
      // Prepare
      const broken = structuredClone(objects[2]!) as unknown as { spec: { template: { spec: PodSpec } } };
      (broken.spec.template.spec as unknown as Record<string, unknown>).hostNetwrok = true;
      const wrongType = structuredClone(objects[2]!) as unknown as { spec: { template: { spec: PodSpec } } };
      (wrongType.spec.template.spec.containers[0]!.ports![0] as { containerPort: unknown }).containerPort =
        'metrics';

      // Act
      const typo = fieldErrors([broken as unknown as KubeObject]);
      const typed = schemaErrors(wrongType as unknown as KubeObject);

      // Assess
      expect(typo.join('\n')).toContain('hostNetwrok');
      expect(typed.join('\n')).toContain('containerPort must be integer');
    });
  });

  describe('Part: agent configuration', () => {
    it('sets only variables the agent knows, and the agent accepts them as they stand', () => {
      // Act
      const parsed = parseAgentConfig(env);

      // Assess
      expect(
        Object.keys(env).filter((name) => !(KNOWN_VARIABLES as readonly string[]).includes(name)),
      ).toEqual([]);
      expect(parsed.warnings).toEqual([]);
      expect(parsed.config.controlPlane).toMatchObject({
        clusterName: configMap.data['cluster-name'],
        endpoint: configMap.data['api-endpoint'],
      });
      expect(parsed.config.paths).toMatchObject({
        cniBinDir: env.HOST_CNI_BIN_PATH,
        cniConfDir: env.HOST_CNI_CONFDIR_PATH,
        pluginSource: env.LEDGER_PLUGIN_SOURCE,
      });
    });

    it('keeps the AWS VPC CNI defaults for every variable it shares with aws-node', () => {
      // Act
      const shared = Object.fromEntries(Object.keys(AWS_VPC_CNI_DEFAULTS).map((name) => [name, env[name]]));

      // Assess
      expect(shared).toEqual(AWS_VPC_CNI_DEFAULTS);
    });

    it('leaves the warm-pool knobs unset so the agent picks its own defaults', () => {
      // Assess
      for (const knob of [
        'WARM_ENI_TARGET',
        'WARM_IP_TARGET',
        'MINIMUM_IP_TARGET',
        'WARM_PREFIX_TARGET',
        'MAX_ENI',
      ]) {
        expect(env).not.toHaveProperty(knob);
      }
    });

    it('uses the agent defaults for its own socket, checkpoint, metrics and log paths', () => {
      // Assess
      expect(env).toMatchObject({
        LEDGER_AGENT_SOCKET: DEFAULTS.agentSocket,
        LEDGER_CHECKPOINT_PATH: DEFAULTS.checkpoint,
        LEDGER_METRICS_BIND_ADDRESS: DEFAULTS.metricsBind,
        AWS_VPC_K8S_CNI_LOG_FILE: DEFAULTS.agentLogFile,
        AWS_VPC_K8S_PLUGIN_LOG_FILE: DEFAULTS.pluginLogFile,
      });
    });

    it('ships a ConfigMap whose API endpoint placeholder can never resolve', () => {
      // Assess
      expect(new URL(configMap.data['api-endpoint']!).hostname.endsWith('.invalid')).toBe(true);
    });
  });

  describe('Part: pod wiring', () => {
    const mountOf = (c: Container, mountPath: string) =>
      c.volumeMounts?.find((m) => m.mountPath === mountPath);
    const hostPathOf = (volume: string) => pod.volumes.find((v) => v.name === volume)?.hostPath?.path;

    it('runs on the host network with the node resolver and no API token', () => {
      // Assess
      expect(pod).toMatchObject({
        hostNetwork: true,
        dnsPolicy: 'Default',
        serviceAccountName: 'ledger-cni',
        automountServiceAccountToken: false,
      });
      expect(objects.some((o) => /Role|Binding/.test(o.kind))).toBe(false);
    });

    it('mounts the CNI dirs where HOST_CNI_* point, and the socket and log dirs at their host paths', () => {
      // Assess
      expect(hostPathOf(mountOf(agent, env.HOST_CNI_BIN_PATH!)!.name)).toBe('/opt/cni/bin');
      expect(hostPathOf(mountOf(agent, env.HOST_CNI_CONFDIR_PATH!)!.name)).toBe('/etc/cni/net.d');
      for (const file of [
        env.LEDGER_AGENT_SOCKET!,
        env.LEDGER_CHECKPOINT_PATH!,
        env.AWS_VPC_K8S_CNI_LOG_FILE!,
      ]) {
        const dir = path.dirname(file);
        expect(hostPathOf(mountOf(agent, dir)!.name)).toBe(dir);
      }
      expect(mountOf(agent, '/var/run/netns')).toMatchObject({ mountPropagation: 'HostToContainer' });
      expect(hostPathOf(mountOf(agent, '/run/xtables.lock')!.name)).toBe('/run/xtables.lock');
    });

    it('mounts only declared volumes and declares only mounted ones', () => {
      // Assess
      const mounted = new Set(
        [...pod.containers, ...pod.initContainers].flatMap((c) => c.volumeMounts ?? []).map((m) => m.name),
      );
      expect([...mounted].sort()).toEqual(pod.volumes.map((v) => v.name).sort());
    });

    it('installs the plugin and the chained reference plugins from the init container', () => {
      // Assess
      const script = (init.command ?? []).join(' ');
      for (const file of [
        env.LEDGER_PLUGIN_SOURCE!,
        '/usr/lib/cni/portmap',
        '/usr/lib/cni/bandwidth',
        '/usr/lib/cni/tuning',
      ]) {
        expect(script).toContain(file);
      }
      expect(hostPathOf(mountOf(init, '/host/opt/cni/bin')!.name)).toBe('/opt/cni/bin');
      expect(init.securityContext).toMatchObject({ capabilities: { drop: ['ALL'] } });
      expect(init.securityContext?.privileged).not.toBe(true);
    });

    it('probes the introspection address and exposes the metrics port the agent binds', () => {
      // Assess
      const [host, port] = env.INTROSPECTION_BIND_ADDRESS!.split(':');
      for (const probe of [agent.readinessProbe, agent.livenessProbe]) {
        expect(probe?.httpGet).toEqual({ host, port: Number(port), path: '/v1/pool' });
      }
      expect(agent.ports).toEqual([
        {
          name: 'metrics',
          containerPort: Number(env.LEDGER_METRICS_BIND_ADDRESS!.split(':')[1]),
          protocol: 'TCP',
        },
      ]);
    });

    it('runs what the image holds: the built agent and plugin, copied to where the manifest looks', () => {
      // Prepare
      const root = path.join(__dirname, '..', '..', '..');
      const dockerfile = fs.readFileSync(path.join(root, 'infra', 'kubernetes', 'Dockerfile'), 'utf8');
      const scripts = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts as Record<
        string,
        string
      >;

      // Assess
      expect(dockerfile).toMatch(/^COPY dist\/ledger-agent dist\/ledger-cni \/app\/dist\/$/m);
      expect(scripts['build:agent']).toContain('--outfile=dist/ledger-agent');
      expect(agent.command).toEqual(['/app/dist/ledger-agent']);
      expect(dockerfile).toMatch(/^CMD \["\/app\/dist\/ledger-agent"\]$/m);
      expect(scripts['build:agent']).toContain('--banner:js=#!/usr/bin/env -S node --lite-mode');
      expect(env.LEDGER_PLUGIN_SOURCE).toBe('/app/dist/ledger-cni');
      expect(dockerfile).toContain('containernetworking-plugins');
    });

    it('names the capabilities the agent uses', () => {
      // Assess
      expect(agent.securityContext?.capabilities?.add?.sort()).toEqual(['NET_ADMIN', 'NET_RAW', 'SYS_ADMIN']);
    });
  });
});
