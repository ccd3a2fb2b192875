/**
 * Installs the plugin on the node as the AWS VPC CNI's init container does: the executable
 * into the CNI bin dir, then the conflist into the conf dir, each replaced atomically so a
 * runtime never executes a half-copied binary or reads a half-written conflist. The
 * conflist comes last: once the runtime sees it, the binary it names is in place.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError } from '../../core/errors';
import { copyFileAtomic } from '../../core/fs/atomic-copy';
import { writeFileAtomic } from '../../core/fs/atomic-file';
import { buildConflist, CONFLIST_FILE, type ConflistSettings, PLUGIN_BINARY } from './conflist';

export interface InstallOptions extends ConflistSettings {
  /** The plugin executable to copy (dist/ledger-cni). */
  pluginSource: string;
  cniBinDir: string;
  cniConfDir: string;
}

export interface Installed {
  pluginPath: string;
  conflistPath: string;
}

export async function installPlugin(options: InstallOptions): Promise<Installed> {
  const source = await stat(options.pluginSource).catch(() => undefined);
  if (source === undefined || !source.isFile()) {
    throw new InvalidInputError(
      'LEDGER_PLUGIN_SOURCE',
      options.pluginSource,
      'the path of the built plugin executable (npm run build writes dist/ledger-cni)',
    );
  }
  const pluginPath = join(options.cniBinDir, PLUGIN_BINARY);
  // Copied by the kernel: the agent stays running, and a 100 MB buffer would stay in its RSS.
  await copyFileAtomic(options.pluginSource, pluginPath, 0o755);
  const conflistPath = join(options.cniConfDir, CONFLIST_FILE);
  await writeFileAtomic(conflistPath, `${JSON.stringify(buildConflist(options), null, 2)}\n`, 0o644);
  return { pluginPath, conflistPath };
}
