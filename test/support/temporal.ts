import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { resolveTemporalTestServer } from '@quotaflow/devstack';
import { loadConfig } from '@quotaflow/config';
import { quotaflowDataConverter } from '@quotaflow/temporal-codec';
import { TEST_TEMPORAL_CODEC_KEYS } from './secrets';
import { WORKFLOWS_PATH, workflowWebpackConfigHook } from '../../apps/worker/src/workflow-bundler-options';


/** The time-skipping test server from .tools (never downloaded). Call `teardown()` after. */
export function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const path = process.env.TEST_TEMPORAL_TEST_SERVER_PATH ?? resolveTemporalTestServer();
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
}

export interface DevServerConnection {
  address: string;
  connection: Connection;
  client: Client;
  close(): Promise<void>;
}

/**
 * The payload codec of the real API and worker, with the harness's keys (test/support/secrets.ts):
 * a client that talks to workflows run by the real worker must use it, or its payloads are refused.
 */
export function testDataConverter(): ReturnType<typeof quotaflowDataConverter> {
  const { codecKeys } = loadConfig({ TEMPORAL_ADDRESS: 'unused:1', TEMPORAL_CODEC_KEYS: TEST_TEMPORAL_CODEC_KEYS }, ['temporal']).temporal;
  return quotaflowDataConverter(codecKeys);
}

/**
 * Client of the dev server started by the global setup (TEMPORAL_ADDRESS), with the real
 * codec. `{ codec: false }`: a raw client, as an attacker or the bare CLI would be.
 */
export async function connectDevServer(namespace = 'default', options: { codec?: boolean } = {}): Promise<DevServerConnection> {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: run tests through jest (test/setup/global-setup.ts)');
  const connection = await Connection.connect({ address });
  const dataConverter = options.codec === false ? undefined : testDataConverter();
  return { address, connection, client: new Client({ connection, namespace, ...(dataConverter ? { dataConverter } : {}) }), close: () => connection.close() };
}

/** Name used in CONTRACTS.md. */
export const devServerConnection = connectDevServer;

let runtimeInstalled = false;
/** Workers in tests log warnings only (the SDK default is INFO on every state change). */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed by the test file itself: keep its choice
  }
}

// Before any connection or worker of the test file creates the default runtime.
installQuietRuntime();

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

/** Bundles the production entry (or `workflowsPath`, e.g. a fixture) once per test file, resolved as the worker does. */
export function bundleWorkflows(workflowsPath = WORKFLOWS_PATH): Promise<WorkflowBundleWithSourceMap> {
  let bundle = bundles.get(workflowsPath);
  if (!bundle) {
    bundle = bundleWorkflowCode({
      workflowsPath,
      logger: quietLogger,
      // The production worker's own resolution (apps/worker/src/workflow-bundler-options.ts), not a copy.
      webpackConfigHook: workflowWebpackConfigHook,
    });
    bundles.set(workflowsPath, bundle);
  }
  return bundle;
}

/** A task queue no other test file (or earlier run) uses. */
export function uniqueTaskQueue(prefix: string): string {
  return `${prefix}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

const noop = (): void => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, log: noop, warn: (message: string) => process.stderr.write(`[bundler] ${message}\n`), error: (message: string) => process.stderr.write(`[bundler] ${message}\n`) };

/** The time-skipping server and a bundle of the spec's workflows, for the calling test file. */
export interface TimeSkippingSuite {
  readonly env: TestWorkflowEnvironment;
  readonly bundle: WorkflowBundleWithSourceMap;
}

/**
 * Starts the time-skipping server and bundles `workflowsPath` before the calling file's tests (at
 * once), and tears the server down after them. Call it at the top level of a spec.
 */
export function timeSkippingSuite(workflowsPath: string): TimeSkippingSuite {
  let env: TestWorkflowEnvironment | undefined;
  let bundle: WorkflowBundleWithSourceMap | undefined;
  beforeAll(async () => {
    [env, bundle] = await Promise.all([createTimeSkippingEnv(), bundleWorkflows(workflowsPath)]);
  });
  afterAll(async () => {
    await env?.teardown();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the time-skipping suite starts in beforeAll: use it inside a test or hook');
    return value;
  };
  return {
    get env() { return ready(env); },
    get bundle() { return ready(bundle); },
  };
}
