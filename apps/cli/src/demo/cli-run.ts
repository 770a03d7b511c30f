import { ConfigError } from '@quotaflow/config';

/** Runs a CLI's main: a usage or config problem prints one clear message and exits non-zero. */
export function runCli(main: () => Promise<number | void>): void {
  main().then(
    (code) => {
      process.exitCode = code ?? 0;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof ConfigError || error instanceof UsageError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = error instanceof UsageError ? 2 : 1;
    },
  );
}

export class UsageError extends Error {}
