// The worker's workflow code bundled ahead of time: `npm run build` writes it next to the
// compiled worker (dist/apps/worker/src/workflows.bundle.js), so a production start loads it in
// milliseconds instead of running webpack for seconds. Tests bundle at start-up (from source).
import { existsSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleOption } from '@temporalio/worker';
import { WORKFLOW_BUNDLER_OPTIONS, WORKFLOWS_PATH } from './workflow-bundler-options';

export const WORKFLOW_BUNDLE_PATH = path.join(__dirname, 'workflows.bundle.js');

/** The prebuilt bundle, when there is one at least as new as the compiled workflow code. */
export function prebuiltWorkflowBundle(): WorkflowBundleOption | undefined {
  if (!existsSync(WORKFLOW_BUNDLE_PATH)) return undefined;
  if (statSync(WORKFLOW_BUNDLE_PATH).mtimeMs < statSync(WORKFLOWS_PATH).mtimeMs) return undefined; // stale: bundle at start-up
  return { codePath: WORKFLOW_BUNDLE_PATH };
}

export async function writeWorkflowBundle(): Promise<{ path: string; bytes: number }> {
  const { code } = await bundleWorkflowCode({ ...WORKFLOW_BUNDLER_OPTIONS, logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: (m) => process.stderr.write(`${m}\n`), error: (m) => process.stderr.write(`${m}\n`) } });
  writeFileSync(WORKFLOW_BUNDLE_PATH, code);
  return { path: WORKFLOW_BUNDLE_PATH, bytes: Buffer.byteLength(code) };
}

if (require.main === module) {
  writeWorkflowBundle().then(
    ({ bytes }) => process.stdout.write(`workflow bundle: ${(bytes / 1024).toFixed(0)} KiB\n`),
    (e: unknown) => {
      process.stderr.write(`workflow bundle failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
