import { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { createTestDatabase, TestDatabase } from '../../../../test/support/database';

let db: TestDatabase;
let app: DataSource;
let owner: DataSource;
beforeAll(async () => {
  db = await createTestDatabase();
  app = await createDataSource({ url: db.url, appRole: 'quotaflow_app' }).initialize();
  owner = await createDataSource({ url: db.ownerUrl, appRole: 'quotaflow_app' }, { role: 'owner' }).initialize();
});
afterAll(async () => {
  await app.destroy();
  await owner.destroy();
  await db.drop();
});

async function deal(): Promise<{ dealId: string; personId: string; productId: string }> {
  const [t] = (await app.query(`INSERT INTO territories (name) VALUES ('T ' || gen_random_uuid()) RETURNING id`)) as Array<{ id: string }>;
  const [a] = (await app.query(`INSERT INTO accounts (name, territory_id) VALUES ('A', $1) RETURNING id`, [t!.id])) as Array<{ id: string }>;
  const [p] = (await app.query(`INSERT INTO people (name, email, roles) VALUES ('P', gen_random_uuid() || '@x.test', '{rep}') RETURNING id`)) as Array<{ id: string }>;
  const [pr] = (await app.query(`INSERT INTO products (code, name) VALUES (gen_random_uuid()::text, 'Pr') RETURNING id`)) as Array<{ id: string }>;
  const [d] = (await app.query(`INSERT INTO deals (account_id, amount, stage, close_date, owner_person_id, product_id) VALUES ($1, 100, 'won', '2026-01-31', $2, $3) RETURNING id`, [a!.id, p!.id, pr!.id])) as Array<{ id: string }>;
  return { dealId: d!.id, personId: p!.id, productId: pr!.id };
}

describe('deal revisions', () => {
  it('every writer leaves a revision; rewriting the same values leaves none', async () => {
    const { dealId } = await deal();
    await app.query(`UPDATE deals SET amount = 100 WHERE id = $1`, [dealId]);
    await app.query(`UPDATE deals SET amount = 150, close_date = '2026-02-01' WHERE id = $1`, [dealId]);
    const rows = (await app.query(`SELECT revision, amount::text, previous_amount::text, previous_close_date::text FROM deal_revisions WHERE deal_id = $1 ORDER BY revision`, [dealId])) as unknown[];
    expect(rows).toEqual([
      { revision: 1, amount: '100.00', previous_amount: null, previous_close_date: null },
      { revision: 2, amount: '150.00', previous_amount: '100.00', previous_close_date: '2026-01-31' },
    ]);
    expect(((await app.query(`SELECT revision FROM deals WHERE id = $1`, [dealId])) as Array<{ revision: number }>)[0]!.revision).toBe(2);
  });

  it('is append-only: the app role may not change it, and a trigger refuses even the owner', async () => {
    const { dealId } = await deal();
    await expect(app.query(`UPDATE deal_revisions SET amount = 1 WHERE deal_id = $1`, [dealId])).rejects.toThrow('permission denied for table deal_revisions');
    await expect(app.query(`DELETE FROM deal_revisions WHERE deal_id = $1`, [dealId])).rejects.toThrow('permission denied for table deal_revisions');
    await expect(owner.query(`DELETE FROM deal_revisions WHERE deal_id = $1`, [dealId])).rejects.toThrow('deal_revisions is append-only: DELETE refused');
    await expect(owner.query(`TRUNCATE deal_revisions`)).rejects.toThrow('deal_revisions is append-only: TRUNCATE refused');
  });

  it('a person or product that a deal names cannot be deleted', async () => {
    const { personId, productId } = await deal();
    await expect(app.query(`DELETE FROM people WHERE id = $1`, [personId])).rejects.toThrow('owns deals and cannot be deleted');
    await expect(app.query(`DELETE FROM products WHERE id = $1`, [productId])).rejects.toThrow('is on deals and cannot be deleted');
  });
});
