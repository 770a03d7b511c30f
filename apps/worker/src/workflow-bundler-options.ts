/**
 * How the worker's workflow code is bundled: the one set of options the worker (bundling at
 * start-up), `npm run build` (workflow-bundle.ts) and the tests (test/support/temporal.ts
 * bundleWorkflows) all use, so a workflow that resolves in a test resolves in production.
 * Kept apart from worker.ts so the tests' bundler does not load the worker's Nest modules.
 */
import type { BundleOptions } from '@temporalio/worker';
import * as path from 'node:path';

/** Entry of the workflow bundle, next to this file in the source tree and in `dist/`. */
export const WORKFLOWS_PATH = require.resolve('../../../libs/workflows/src/workflows');
const DOMAIN_PATH = path.resolve(__dirname, '../../../libs/domain/src');

type WebpackConfig = Parameters<NonNullable<BundleOptions['webpackConfigHook']>>[0];

/** The bundler (webpack) ignores tsconfig paths; from dist/ the aliases are already rewritten. */
export function workflowWebpackConfigHook(webpack: WebpackConfig): WebpackConfig {
  webpack.resolve = webpack.resolve ?? {};
  webpack.resolve.alias = { ...webpack.resolve.alias, '@quotaflow/domain': DOMAIN_PATH };
  return webpack;
}

/** The one way the worker's workflow code is bundled (at start-up, or ahead by `npm run build`). */
export const WORKFLOW_BUNDLER_OPTIONS = {
  workflowsPath: WORKFLOWS_PATH,
  webpackConfigHook: workflowWebpackConfigHook,
} satisfies Pick<BundleOptions, 'workflowsPath' | 'webpackConfigHook'>;
