/** `node dist/apps/cli/src/token.js --person <id|email> [--ttl <seconds>]` — prints a JWT for that person. */
import { parseArgs } from 'node:util';
import { loadConfig, mintToken } from '@quotaflow/config';
import { createDataSource, PersonEntity } from '@quotaflow/persistence';
import { runCli, UsageError } from './demo/cli-run';

const USAGE = 'usage: token --person <id|email> [--ttl <seconds>]';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function main(): Promise<number> {
  let values: { person?: string; ttl?: string };
  try {
    ({ values } = parseArgs({ options: { person: { type: 'string' }, ttl: { type: 'string' } }, strict: true }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  if (!values.person) throw new UsageError(`--person is required\n${USAGE}`);
  let ttlSeconds: number | undefined;
  if (values.ttl !== undefined) {
    ttlSeconds = /^\d+$/.test(values.ttl) ? Number(values.ttl) : NaN;
    if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0) throw new UsageError(`--ttl must be a positive integer number of seconds, got "${values.ttl}"\n${USAGE}`);
  }

  const config = loadConfig(process.env, ['database', 'auth']);
  if (ttlSeconds !== undefined && config.auth.maxTtlSeconds !== undefined && ttlSeconds > config.auth.maxTtlSeconds) {
    throw new UsageError(`--ttl must not exceed JWT_MAX_TTL_SECONDS (${config.auth.maxTtlSeconds}): the API refuses longer-lived tokens\n${USAGE}`);
  }
  const ds = await createDataSource(config.database, { role: 'app', applicationName: 'quotaflow-token' }).initialize();
  try {
    const ref = values.person.trim();
    const person = await ds
      .getRepository(PersonEntity)
      .findOneBy(UUID.test(ref) ? { id: ref.toLowerCase() } : { email: ref.toLowerCase() });
    if (!person) {
      process.stderr.write(`token: no person with ${UUID.test(ref) ? 'id' : 'email'} "${ref}"\n`);
      return 1;
    }
    if (!person.active) {
      process.stderr.write(`token: ${person.email} is inactive\n`);
      return 1;
    }
    process.stdout.write(`${mintToken(config.auth, person, ttlSeconds === undefined ? {} : { ttlSeconds })}\n`);
    return 0;
  } finally {
    await ds.destroy();
  }
}

runCli(main);
