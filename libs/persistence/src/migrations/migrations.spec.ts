import { Client } from 'pg';
import { revertLastMigration, runMigrations } from '../data-source';
import { createTestDatabase, TestDatabase } from '../../../../test/support/database';
import { MIGRATIONS } from './index';

const TABLES = [
  'teams', 'people', 'plans', 'plan_versions', 'plan_assignments', 'plan_documents',
  'acceptances', 'approval_decisions', 'email_outbox', 'audit_events',
];
const names = MIGRATIONS.map((M) => new M().name as string);

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

async function existingTables(url: string): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_name = ANY($1)`,
      [TABLES],
    );
    return rows.map((r) => r.name).sort();
  } finally {
    await client.end();
  }
}

async function revertAll(url: string): Promise<string[]> {
  const reverted: string[] = [];
  for (let name = await revertLastMigration(url); name !== null; name = await revertLastMigration(url)) reverted.push(name);
  return reverted;
}

describe('migrations', () => {
  it('go down completely, up again, and down again', async () => {
    expect(await existingTables(db.ownerUrl)).toEqual([...TABLES].sort());

    expect(await revertAll(db.ownerUrl)).toEqual([...names].reverse());
    expect(await existingTables(db.ownerUrl)).toEqual([]);

    expect(await runMigrations(db.ownerUrl)).toEqual(names);
    expect(await existingTables(db.ownerUrl)).toEqual([...TABLES].sort());
    expect(await runMigrations(db.ownerUrl)).toEqual([]);

    expect(await revertAll(db.ownerUrl)).toEqual([...names].reverse());
    expect(await existingTables(db.ownerUrl)).toEqual([]);
    expect(await runMigrations(db.ownerUrl)).toEqual(names);
  });
});
