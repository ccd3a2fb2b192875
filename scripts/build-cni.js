#!/usr/bin/env node
// Builds the CNI plugin: one bundled file (dist/ledger-cni.js, runnable with node) and a Node
// single executable application (dist/ledger-cni) for hosts without Node.js. The bundle must
// stay light so the plugin starts fast: it fails the build if any npm package gets into it.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');
const { inject } = require('postject');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

async function bundle() {
  const result = await esbuild.build({
    entryPoints: [path.join(root, 'cni', 'main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'warning',
  });
  const packages = Object.keys(result.metafile.inputs).filter((input) => input.includes('node_modules'));
  if (packages.length > 0) {
    throw new Error(`the plugin bundle must not include npm packages, found: ${packages.join(', ')}`);
  }
  return result.outputFiles[0].text;
}

async function buildExecutable(code) {
  const work = fs.mkdtempSync(path.join(dist, '.sea-'));
  try {
    const main = path.join(work, 'main.js');
    const blob = path.join(work, 'sea.blob');
    const config = path.join(work, 'sea-config.json');
    fs.writeFileSync(main, code);
    fs.writeFileSync(
      config,
      JSON.stringify({ main, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }),
    );
    execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'inherit' });
    const target = path.join(work, 'ledger-cni');
    fs.copyFileSync(process.execPath, target);
    await inject(target, 'NODE_SEA_BLOB', fs.readFileSync(blob), { sentinelFuse: SEA_FUSE });
    fs.chmodSync(target, 0o755);
    fs.renameSync(target, path.join(dist, 'ledger-cni'));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function main() {
  fs.mkdirSync(dist, { recursive: true });
  const code = await bundle();
  const script = path.join(dist, 'ledger-cni.js');
  fs.writeFileSync(script, `#!/usr/bin/env node\n${code}`, { mode: 0o755 });
  await buildExecutable(code);
  process.stdout.write(`built ${script} (${code.length} bytes) and ${path.join(dist, 'ledger-cni')}\n`);
}

main().catch((error) => {
  process.stderr.write(`build-cni: ${error.stack ?? error}\n`);
  process.exitCode = 1;
});
