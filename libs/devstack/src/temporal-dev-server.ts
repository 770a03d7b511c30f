import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { delay, spawnManaged, tailOf, type ManagedProcess } from './managed-process';
import { resolveTemporalCli } from './temporal-binaries';

export interface TemporalDevServerOptions {
  /** SQLite state file; omitted = in memory (lost when the server stops). */
  dbFile?: string;
  port: number;
  /** Web UI port; omitted = headless. */
  uiPort?: number;
  namespace?: string;
  logFile?: string;
  cliPath?: string;
  startTimeoutMs?: number;
  /** Own process group (dev stack: a terminal Ctrl-C must not stop it before the apps). */
  detached?: boolean;
}

export interface TemporalDevServer {
  readonly address: string;
  readonly uiUrl?: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const cli = options.cliPath ?? resolveTemporalCli();
  const namespace = options.namespace ?? 'default';
  const ip = '127.0.0.1';
  const args = ['server', 'start-dev', '--port', String(options.port), '--namespace', namespace, '--log-level', 'warn', '--ip', ip];
  // An activity scheduled by a workflow task goes back to the worker in that task's answer
  // instead of through another poll (the SDK asks for it when it has a free slot): a plan
  // acceptance's activities cost the server and the worker one round trip less each.
  args.push('--dynamic-config-value', 'system.enableActivityEagerExecution=true');
  // Likewise a workflow started by an activity on the worker's own connection (a publish's
  // acceptance workflows): its first task comes back in the start call's answer.
  args.push('--dynamic-config-value', 'system.enableEagerWorkflowStart=true');
  if (options.dbFile) {
    const dbFile = resolve(options.dbFile);
    mkdirSync(dirname(dbFile), { recursive: true });
    args.push('--db-filename', dbFile);
  }
  if (options.uiPort !== undefined) args.push('--ui-port', String(options.uiPort));
  else args.push('--headless');

  const proc = spawnManaged('temporal', cli, args, { logFile: options.logFile, detached: options.detached ?? false });
  const address = `${ip}:${options.port}`;
  await waitForTemporal(address, namespace, options.startTimeoutMs ?? 60_000, proc, options.logFile);
  return {
    address,
    uiUrl: options.uiPort !== undefined ? `http://localhost:${options.uiPort}` : undefined,
    process: proc,
    stop: () => proc.stop('SIGTERM', 15_000),
  };
}

/**
 * Our own wait loop: the SDK's default 5 s start-up deadline is too short on a
 * slow machine (first start with a state file can take longer).
 */
export async function waitForTemporal(address: string, namespace = 'default', timeoutMs = 60_000, proc?: ManagedProcess, logFile?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    if (proc && !proc.isRunning()) throw new Error(`Temporal dev server exited during start-up:\n${tailOf(logFile)}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = (error as Error).message;
    }
    if (Date.now() > deadline) {
      await proc?.stop('SIGKILL');
      throw new Error(`Temporal at ${address} did not answer within ${timeoutMs} ms (${lastError}).\n${tailOf(logFile)}`);
    }
    await delay(250);
  }
}
