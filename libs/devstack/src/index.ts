export { freePort, isPortFree, assertPortFree } from './free-port';
export { spawnManaged, tailOf, delay, type ManagedProcess } from './managed-process';
export { startEmbeddedPostgres, resolvePostgresBinaries, runningPostmaster, withClient, type EmbeddedPostgres, type EmbeddedPostgresOptions } from './embedded-postgres';
export { resolveTemporalCli, resolveTemporalTestServer } from './temporal-binaries';
export { startTemporalDevServer, waitForTemporal, type TemporalDevServer, type TemporalDevServerOptions } from './temporal-dev-server';
export { startMailCatcher, emlFileName, type MailCatcher } from './mail-catcher';
export { findRepoRoot } from './repo-root';
