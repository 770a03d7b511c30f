import { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { createTestDatabase, TestDatabase } from '../../../../test/support/database';
import { AuditLog } from '../services/audit-log.service';
import { TEST_AUDIT_HMAC_KEY } from '../../../../test/support/secrets';
import { Importer } from './importer';
import type { ImportOptions } from './import-types';

let db: TestDatabase;
let ds: DataSource;
let importer: Importer;
beforeAll(async () => {
  db = await createTestDatabase();
  ds = await createDataSource({ url: db.url, appRole: 'quotaflow_app' }).initialize();
  importer = new Importer(ds, new AuditLog(ds, { hmacKey: TEST_AUDIT_HMAC_KEY }), { currency: 'USD' });
});
afterAll(async () => {
  await ds.destroy();
  await db.drop();
});

const opts = (kind: ImportOptions['kind'], extra: Partial<ImportOptions> = {}): ImportOptions => ({
  kind, profileKey: 'quotaflow', dryRun: false, skipBadRows: false, deactivateMissing: false, actor: { id: null, role: null, via: 'cli' }, ...extra,
});
const csv = (text: string) => ({ type: 'csv' as const, stream: (async function* () { yield Buffer.from(text); })() });

describe('importer (smoke)', () => {
  it('imports reference data and deals', async () => {
    const teams = await importer.run(opts('teams'), csv('name,manager_email,parent_team\nWest,,\nEast,,\n'));
    expect(teams).toMatchObject({ status: 'completed', counts: { created: 2 } });
    const people = await importer.run(opts('people'), csv('name,email,roles,team,manager_email\nMia,mia@x.test,manager,West,\nRita,rita@x.test,rep,West,mia@x.test\n'));
    expect(people).toMatchObject({ status: 'completed', counts: { created: 2 } });
    const territories = await importer.run(opts('territories'), csv('name,parent,team,owner_email\nNA,,,\nPNW,NA,West,rita@x.test\n'));
    expect(territories.issues).toEqual([]);
    const accounts = await importer.run(opts('accounts'), csv('external_id,name,territory,industry,attr:segment\n001,Acme,PNW,Retail,Ent\n'));
    expect(accounts).toMatchObject({ status: 'completed', counts: { created: 1 } });
    const products = await importer.run(opts('products'), csv('code,name,family,list_price\nEDGE,Edge Plus,Edge,1200\n'));
    expect(products).toMatchObject({ status: 'completed', counts: { created: 1 } });
    const deals = await importer.run(opts('deals'), csv('external_id,owner,account,product,stage,close_date,amount,currency\nD1,rita@x.test,001,EDGE,won,2026-03-01,1000,USD\nD2,Rita,Acme,,open,,,USD\n'));
    expect(deals.issues).toEqual([]);
    expect(deals).toMatchObject({ status: 'completed', counts: { created: 2 } });
    const again = await importer.run(opts('deals'), csv('external_id,owner,account,product,stage,close_date,amount,currency\nD1,rita@x.test,001,EDGE,won,2026-03-01,1000,USD\nD2,Rita,Acme,,open,,,USD\n'));
    expect(again).toMatchObject({ status: 'completed', counts: { created: 0, updated: 0, unchanged: 2 } });
    const changed = await importer.run(opts('deals'), csv('external_id,owner,account,product,stage,close_date,amount,currency\nD1,rita@x.test,001,EDGE,won,2026-03-01,1500,USD\nD3,rita@x.test,001,EDGE,won,2026-04-01,200,USD,\n'));
    expect(changed.counts).toMatchObject({ rowsInvalid: 1 });
    const revisions = (await ds.query(`SELECT r.revision FROM deal_revisions r JOIN deals d ON d.id = r.deal_id WHERE d.external_id = 'D1' ORDER BY revision`)) as Array<{ revision: number }>;
    expect(revisions.map((r) => r.revision)).toEqual([1]);
    const skip = await importer.run(opts('deals', { skipBadRows: true }), csv('external_id,owner,account,product,stage,close_date,amount,currency,reverses\nD1,rita@x.test,001,EDGE,won,2026-03-01,1500,USD,\nC1,rita@x.test,001,EDGE,won,2026-05-01,,USD,D1\nX,nobody,001,,won,2026-03-01,1,USD,\n'));
    expect(skip).toMatchObject({ status: 'completed', counts: { created: 1, updated: 1, skipped: 1 } });
    const c1 = (await ds.query(`SELECT amount::text FROM deals WHERE external_id = 'C1'`)) as Array<{ amount: string }>;
    expect(c1[0]!.amount).toBe('-1500.00');
  });
});
