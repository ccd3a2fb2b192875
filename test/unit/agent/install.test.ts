import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '../../../core/errors';
import { buildConflist } from '../../../node-agent/install/conflist';
import { installPlugin } from '../../../node-agent/install/install';

const SETTINGS = {
  podMtu: 9001,
  agentSocket: '/var/run/ledger-cni/agent.sock',
  pluginLogLevel: 'debug' as const,
  pluginLogDestination: { file: '/var/log/ledger-cni/plugin.log' },
  bandwidthPlugin: false,
  disablePodV6: false,
};

describe('Module: install', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-install-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe('Function: buildConflist', () => {
    it('chains our plugin then portmap with snat', () => {
      // Act
      const conflist = buildConflist(SETTINGS) as { plugins: { type: string }[] };

      // Assess
      expect(conflist).toEqual({
        cniVersion: '1.0.0',
        name: 'ledger-cni',
        plugins: [
          {
            type: 'ledger-cni',
            mtu: 9001,
            agentSocket: '/var/run/ledger-cni/agent.sock',
            pluginLogFile: '/var/log/ledger-cni/plugin.log',
            pluginLogLevel: 'DEBUG',
          },
          { type: 'portmap', capabilities: { portMappings: true }, snat: true },
        ],
      });
    });

    it('adds bandwidth and tuning when enabled, in that order', () => {
      // Act
      const conflist = buildConflist({ ...SETTINGS, bandwidthPlugin: true, disablePodV6: true }) as {
        plugins: { type: string; sysctl?: Record<string, string> }[];
      };

      // Assess
      expect(conflist.plugins.map((p) => p.type)).toEqual(['ledger-cni', 'portmap', 'bandwidth', 'tuning']);
      expect(conflist.plugins[3]!.sysctl!['net.ipv6.conf.all.disable_ipv6']).toBe('1');
    });
  });

  describe('Function: installPlugin', () => {
    it('copies the executable and writes the conflist, leaving no temp files', async () => {
      // Prepare
      const source = join(dir, 'ledger-cni-build');
      writeFileSync(source, '#!/bin/sh\necho plugin\n');
      const binDir = join(dir, 'opt/cni/bin');
      const confDir = join(dir, 'etc/cni/net.d');

      // Act
      const installed = await installPlugin({
        ...SETTINGS,
        pluginLogDestination: 'stderr',
        pluginSource: source,
        cniBinDir: binDir,
        cniConfDir: confDir,
      });

      // Assess
      expect(installed.pluginPath).toBe(join(binDir, 'ledger-cni'));
      expect(readFileSync(installed.pluginPath, 'utf8')).toBe('#!/bin/sh\necho plugin\n');
      expect(statSync(installed.pluginPath).mode & 0o111).not.toBe(0);
      const conflist = JSON.parse(readFileSync(installed.conflistPath, 'utf8'));
      expect(conflist.plugins[0].pluginLogFile).toBe('stderr');
      expect(readdirSync(binDir)).toEqual(['ledger-cni']);
      expect(readdirSync(confDir)).toEqual(['10-ledger.conflist']);
    });

    it('refuses a missing plugin source and writes nothing', async () => {
      // Prepare
      const confDir = join(dir, 'net.d');

      // Act
      const attempt = installPlugin({
        ...SETTINGS,
        pluginSource: join(dir, 'missing'),
        cniBinDir: join(dir, 'bin'),
        cniConfDir: confDir,
      });

      // Assess
      await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
      await expect(attempt).rejects.toThrow(/LEDGER_PLUGIN_SOURCE=.*missing/);
      expect(() => readdirSync(confDir)).toThrow();
    });
  });
});
