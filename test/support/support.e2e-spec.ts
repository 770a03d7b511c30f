import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createTransport } from 'nodemailer';
import { Client } from 'pg';
import { startMailCatcher } from '@quotaflow/devstack';
import { createTestDatabase, type TestDatabase } from './database';
import { freePort } from './ports';
import { startSmtpSink } from './smtp';
import { bundleWorkflows, connectDevServer, createTimeSkippingEnv, uniqueTaskQueue } from './temporal';

const FIXTURE_WORKFLOWS = require.resolve('../fixtures/support.workflow');

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('test support: database clones', () => {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    await Promise.all(databases.map((db) => db.drop()));
  });

  it('gives each caller a fresh, migrated database of its own', async () => {
    const [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    databases.push(a, b);
    expect(a.name).not.toBe(b.name);
    expect(a.name).toContain('test');

    const migrationsRan = await query<{ n: string }>(a.ownerUrl, 'SELECT count(*)::text AS n FROM migrations');
    expect(Number(migrationsRan[0]!.n)).toBeGreaterThan(0);

    await query(a.url, "INSERT INTO teams (id, name) VALUES (gen_random_uuid(), 'only-in-a')");
    const inA = await query<{ name: string }>(a.url, 'SELECT name FROM teams');
    const inB = await query<{ name: string }>(b.url, 'SELECT name FROM teams');
    expect(inA.map((row) => row.name)).toEqual(['only-in-a']);
    expect(inB).toEqual([]);
  });

  it('drops the clone', async () => {
    const db = await createTestDatabase();
    await db.drop();
    const rows = await query<{ datname: string }>(process.env.TEST_PG_ADMIN_URL!, `SELECT datname FROM pg_database WHERE datname = '${db.name}'`);
    expect(rows).toEqual([]);
  });
});

describe('test support: Temporal', () => {
  it('runs a workflow importing @quotaflow/domain on the shared dev server', async () => {
    // its own worker without the codec: so a raw client
    const { client, close } = await connectDevServer('default', { codec: false });
    const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
    try {
      const taskQueue = uniqueTaskQueue('support-dev');
      const worker = await Worker.create({ connection, taskQueue, workflowBundle: await bundleWorkflows(FIXTURE_WORKFLOWS) });
      const result = await worker.runUntil(
        client.workflow.execute('domainErrorWorkflow', { taskQueue, workflowId: `${taskQueue}-domain`, args: ['PLAN.NOT_FOUND'], workflowTaskTimeout: '10s' }),
      );
      expect(result).toEqual({ code: 'PLAN.NOT_FOUND', recognised: true });
    } finally {
      await connection.close();
      await close();
    }
  });

  it('skips 30 days of timers on the time-skipping server', async () => {
    const env = await createTimeSkippingEnv();
    try {
      const taskQueue = uniqueTaskQueue('support-skip');
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await bundleWorkflows(FIXTURE_WORKFLOWS) });
      const { before, after } = await worker.runUntil(env.client.workflow.execute('longSleepWorkflow', { taskQueue, workflowId: `${taskQueue}-sleep` }));
      expect(after - before).toBeGreaterThanOrEqual(30 * 24 * 3600 * 1000);
    } finally {
      await env.teardown();
    }
  });
});

describe('test support: SMTP', () => {
  it('receives and parses a message sent over SMTP', async () => {
    const sink = await startSmtpSink();
    try {
      const transport = createTransport(sink.url);
      await transport.sendMail({ from: 'a@quotaflow.local', to: 'rep@example.com', subject: 'Your plan', text: 'Please accept.', messageId: '<support-1@quotaflow.local>' });
      const mail = await sink.waitFor((m) => m.subject === 'Your plan', 10_000);
      expect(mail.text?.trim()).toBe('Please accept.');
      expect(mail.messageId).toBe('<support-1@quotaflow.local>');
      expect(sink.messages).toHaveLength(1);
    } finally {
      await sink.stop();
    }
  });

  it('the dev stack catcher saves raw .eml files named by time and Message-ID', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-mail-'));
    const catcher = await startMailCatcher({ dir, port: await freePort() });
    try {
      await createTransport(catcher.url).sendMail({ from: 'a@quotaflow.local', to: 'b@example.com', subject: 'Saved', text: 'body', messageId: '<abc/def@quotaflow.local>' });
      const files = readdirSync(dir);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^\d{4}-\d{2}-\d{2}T[\d-]+Z_abc_def@quotaflow\.local\.eml$/);
      expect(readFileSync(join(dir, files[0]!), 'utf8')).toContain('Subject: Saved');
    } finally {
      await catcher.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
