import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited (code or signal). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  isRunning(): boolean;
  /** Sends `signal`, then SIGKILL after `graceMs`; resolves when it is gone. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface ManagedSpawnOptions extends Pick<SpawnOptions, 'cwd' | 'env' | 'uid' | 'gid'> {
  /** Where stdout+stderr go: a log file, a line prefix on our stdout, or both. */
  logFile?: string;
  prefix?: string;
  /**
   * Own process group, so a terminal Ctrl-C reaches only us and we stop
   * children in our order (Postgres must outlive the worker that uses it).
   */
  detached?: boolean;
}

export function spawnManaged(name: string, command: string, args: string[], options: ManagedSpawnOptions = {}): ManagedProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    uid: options.uid,
    gid: options.gid,
    detached: options.detached ?? false,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log: WriteStream | undefined;
  if (options.logFile) {
    mkdirSync(dirname(options.logFile), { recursive: true });
    log = createWriteStream(options.logFile, { flags: 'a' });
  }
  const prefix = options.prefix;
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream?.on('data', (chunk: Buffer) => {
      log?.write(chunk);
      if (prefix === undefined) return;
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) process.stdout.write(`${prefix}${line}\n`);
    });
    stream?.on('end', () => {
      if (prefix !== undefined && pending) process.stdout.write(`${prefix}${pending}\n`);
      pending = '';
    });
  }
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (error) => {
      running = false;
      log?.write(`spawn error: ${error.message}\n`);
      resolve({ code: 127, signal: null });
    });
    // 'close' (not 'exit'): stdout/stderr are drained by then.
    child.once('close', (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
  }).then(async (result) => {
    // Flush the log before anyone reads its tail for an error message.
    if (log) await new Promise<void>((done) => log!.end(done));
    return result;
  });

  return {
    name,
    child,
    exited,
    isRunning: () => running,
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
      if (!running) return;
      child.kill(signal);
      const timer = setTimeout(() => {
        if (running) child.kill('SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The last lines of a log file, for error messages when a server fails to start. */
export function tailOf(file: string | undefined, lines = 20): string {
  if (!file || !existsSync(file)) return '';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
