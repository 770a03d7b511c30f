/**
 * Imports over HTTP (real PostgreSQL, Temporal, the API and worker): each kind's happy path,
 * idempotence, before/after audit, a file with 20 faults, dry run, skip-bad-rows, roles, the
 * shipped Salesforce and HubSpot profiles on samples in their vendors' column layouts.
 */
import { AuditEventEntity, DealEntity, DealRevisionEntity, ImportEntity, PersonEntity } from '@quotaflow/persistence';
import { type Harness, startHarness } from './harness';
import { count, get, tableCounts, upload } from './imports-support';

jest.setTimeout(180_000);

const TEAMS = 'name,manager_email,parent_team\nImport East,,\nImport West,,Import East\n';
const PEOPLE = [
  'name,email,roles,team,manager_email,employee_id,start_date,end_date',
  'Ivy Manager,ivy.manager@imp.test,manager,Import East,,E-1,2024-01-01,',
  'Ian Rep,ian.rep@imp.test,rep,Import East,ivy.manager@imp.test,E-2,2024-02-01,',
  'Iris Rep,iris.rep@imp.test,rep,Import West,ivy.manager@imp.test,E-3,2024-03-01,',
  '',
].join('\r\n');
const TERRITORIES = 'name,parent,team,owner_email\nImport Land,,Import East,\nImport North,Import Land,Import East,ian.rep@imp.test\nImport South,Import Land,Import West,iris.rep@imp.test\n';
const ACCOUNTS = 'external_id,name,territory,industry,territory_since,attr:segment\nACC-1,Alpha Corp,Import North,Retail,2025-01-01,Enterprise\nACC-2,"Beta, Ltd.",Import South,Energy,2025-01-01,Mid-Market\n';
const PRODUCTS = 'code,name,family,list_price\nEDGE-PLUS,Edge Plus,Edge,1200.00\nCORE,Core Platform,Platform,4800\n';
const DEALS = [
  'external_id,name,owner,account,product,stage,type,created_date,close_date,amount,currency,credits,reverses',
  'D-1,Alpha first,ian.rep@imp.test,ACC-1,EDGE-PLUS,won,new,2026-01-05,2026-02-10,12000.00,USD,,',
  'D-2,Beta open,E-3,"Beta, Ltd.",CORE,open,,2026-02-01,,,USD,,',
  'D-3,Beta lost,Iris Rep,ACC-2,,lost,,2026-01-10,2026-03-01,0,USD,,',
  'D-4,Alpha split,ian.rep@imp.test,ACC-1,Core Platform,won,expansion,2026-02-01,2026-03-15,5000.50,USD,ian.rep@imp.test:0.6;iris.rep@imp.test:0.4,',
  'D-5,Alpha cancel,ian.rep@imp.test,ACC-1,EDGE-PLUS,won,new,2026-04-01,2026-04-02,-2000,USD,,D-1',
  '',
].join('\n');

async function importReference(h: Harness): Promise<void> {
  for (const [kind, body] of [['teams', TEAMS], ['people', PEOPLE], ['territories', TERRITORIES], ['accounts', ACCOUNTS], ['products', PRODUCTS]] as const) {
    const r = await upload(h, h.org.ops, kind, body);
    expect([kind, r.status, r.body.issues]).toEqual([kind, 200, []]);
  }
}

describe('imports', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('imports');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('imports every kind: teams, people, territories, accounts, products and deals; the same files again change nothing', async () => {
    const before = await tableCounts(h.db);
    await importReference(h);
    const deals = await upload(h, h.org.ops, 'deals', DEALS, 'currency=USD');
    expect(deals.status).toBe(200);
    expect(deals.body).toMatchObject({ status: 'completed', dryRun: false, counts: { rowsRead: 5, rowsValid: 5, created: 5, updated: 0, unchanged: 0 }, issues: [] });
    expect(deals.body.fileHash).toMatch(/^[0-9a-f]{64}$/);

    const people = await h.db.getRepository(PersonEntity).find({ where: [{ email: 'ian.rep@imp.test' }, { email: 'ivy.manager@imp.test' }] });
    const ian = people.find((p) => p.email === 'ian.rep@imp.test')!;
    expect(ian).toMatchObject({ roles: ['rep'], employeeId: 'E-2', startDate: '2024-02-01', managerId: people.find((p) => p.email === 'ivy.manager@imp.test')!.id });
    const stored = await h.db.getRepository(DealEntity).find({ order: { externalId: 'ASC' } });
    expect(stored.map((d) => [d.externalId, d.stage, d.amount, d.amountMissing, d.closeDateMissing, d.type])).toEqual([
      ['D-1', 'won', '12000.00', false, false, 'new'],
      ['D-2', 'open', '0.00', true, true, 'new'],
      ['D-3', 'lost', '0.00', false, false, 'new'],
      ['D-4', 'won', '5000.50', false, false, 'expansion'],
      ['D-5', 'won', '-2000.00', false, false, 'new'],
    ]);
    expect(stored[4]!.reversesDealId).toBe(stored[0]!.id);
    expect(stored[3]!.credits).toEqual([{ personId: ian.id, share: '0.6' }, { personId: expect.any(String), share: '0.4' }]);
    const revisions = await h.db.getRepository(DealRevisionEntity).find({ where: { dealId: stored[1]!.id } });
    expect(revisions).toEqual([expect.objectContaining({ revision: 1, amount: null, closeDate: null, stage: 'open' })]);
    expect(new Set(stored.map((d) => d.currency))).toEqual(new Set(['USD']));

    // Again: row counts of every table unchanged but for the import records and their audit event.
    const afterFirst = await tableCounts(h.db);
    const auditBefore = await count(h.db, `SELECT count(*)::int AS n FROM audit_events`);
    await importReference(h);
    const again = await upload(h, h.org.ops, 'deals', DEALS);
    expect(again.body.counts).toMatchObject({ created: 0, updated: 0, unchanged: 5 });
    const afterSecond = await tableCounts(h.db);
    expect({ ...afterSecond, imports: 0, audit_events: 0 }).toEqual({ ...afterFirst, imports: 0, audit_events: 0 });
    expect(afterSecond.imports - afterFirst.imports).toBe(6);
    expect(await count(h.db, `SELECT count(*)::int AS n FROM audit_events`)).toBe(auditBefore + 6);
    const events = await h.db.getRepository(AuditEventEntity).find({ order: { id: 'DESC' }, take: 6 });
    expect(events.every((e) => e.action === 'import.completed')).toBe(true);
    expect(before.deals).toBe(0);
  });

  it('a changed row updates the record with an audit event holding before and after; a changed deal is a new revision', async () => {
    await importReference(h);
    await upload(h, h.org.ops, 'deals', DEALS, 'currency=USD');
    const changed = PEOPLE.replace('Ivy Manager,ivy.manager@imp.test,manager,', 'Ivy Boss,ivy.manager@imp.test,manager;ops,');
    const r = await upload(h, h.org.ops, 'people', changed);
    expect(r.body.counts).toMatchObject({ created: 0, updated: 1, unchanged: 2 });
    const ivy = await h.db.getRepository(PersonEntity).findOneByOrFail({ email: 'ivy.manager@imp.test' });
    expect(ivy).toMatchObject({ name: 'Ivy Boss', roles: ['manager', 'ops'] });
    const events = await h.db.getRepository(AuditEventEntity).find({ where: { subject: `person:${ivy.id}` } });
    expect(events).toEqual([expect.objectContaining({
      action: 'person.updated', actorId: h.org.ops.id,
      before: expect.objectContaining({ name: 'Ivy Manager', roles: ['manager'] }), after: expect.objectContaining({ name: 'Ivy Boss', roles: ['manager', 'ops'] }),
      data: expect.objectContaining({ importId: r.body.id }),
    })]);
    await upload(h, h.org.ops, 'people', PEOPLE);

    const deal = await upload(h, h.org.ops, 'deals', DEALS.replace('D-1,Alpha first,ian.rep@imp.test,ACC-1,EDGE-PLUS,won,new,2026-01-05,2026-02-10,12000.00', 'D-1,Alpha first,ian.rep@imp.test,ACC-1,EDGE-PLUS,won,new,2026-01-05,2026-02-11,12500.00'));
    expect([deal.status, deal.body.counts ?? deal.body]).toMatchObject([200, { created: 0, updated: 1, unchanged: 4 }]);
    const d1 = await h.db.getRepository(DealEntity).findOneByOrFail({ externalId: 'D-1' });
    expect(d1).toMatchObject({ revision: 2, amount: '12500.00', closeDate: '2026-02-11' });
    const history = await h.db.getRepository(DealRevisionEntity).find({ where: { dealId: d1.id }, order: { revision: 'ASC' } });
    expect(history.map((x) => [x.revision, x.amount, x.closeDate, x.previousAmount, x.previousCloseDate])).toEqual([
      [1, '12000.00', '2026-02-10', null, null],
      [2, '12500.00', '2026-02-11', '12000.00', '2026-02-10'],
    ]);
    // The close's hook: a change after its freeze to a won deal dated in a closed period.
    const late = (await h.db.query(
      `SELECT revision FROM deal_revisions_touching('2026-02-01', '2026-02-28', (SELECT recorded_at FROM deal_revisions WHERE deal_id = $1 AND revision = 1)) WHERE deal_id = $1`,
      [d1.id],
    )) as Array<{ revision: number }>;
    expect(late.map((x) => x.revision)).toEqual([2]);
  });

  it('rejects a file with 20 different faults whole, naming each with line, column, value and code; a formula-safe CSV report', async () => {
    await importReference(h);
    const before = await tableCounts(h.db);
    const bad = [
      'external_id,name,owner,account,product,stage,type,created_date,close_date,amount,currency,credits,reverses',
      'F-01,ok,ian.rep@imp.test,ACC-1,EDGE-PLUS,won,new,2026-01-05,2026-02-10,100.00,USD,,',
      ',missing id,ian.rep@imp.test,ACC-1,,won,,,2026-02-10,100,USD,,',
      'F-03,unknown owner,nobody@imp.test,ACC-1,,won,,,2026-02-10,100,USD,,',
      'F-04,unknown account,ian.rep@imp.test,ALPHA CORP.,,won,,,2026-02-10,100,USD,,',
      'F-05,product spelled,ian.rep@imp.test,ACC-1,Edge-Plus,won,,,2026-02-10,100,USD,,',
      'F-06,bad stage,ian.rep@imp.test,ACC-1,,finished,,,2026-02-10,100,USD,,',
      'F-07,bad date,ian.rep@imp.test,ACC-1,,won,,,2026-02-30,100,USD,,',
      'F-08,date format,ian.rep@imp.test,ACC-1,,won,,,02/10/2026,100,USD,,',
      'F-09,three decimals,ian.rep@imp.test,ACC-1,,won,,,2026-02-10,100.005,USD,,',
      'F-10,separator,ian.rep@imp.test,ACC-1,,won,,,2026-02-10,"1,000.00",USD,,',
      'F-11,won without amount,ian.rep@imp.test,ACC-1,,won,,,2026-02-10,,USD,,',
      'F-12,won without date,ian.rep@imp.test,ACC-1,,won,,,,100,USD,,',
      'F-13,other currency,ian.rep@imp.test,ACC-1,,won,,,2026-02-10,100,EUR,,',
      'F-14,shares,ian.rep@imp.test,ACC-1,,won,,,2026-02-10,100,USD,ian.rep@imp.test:0.5;iris.rep@imp.test:0.4,',
      'F-15,reverses nothing,ian.rep@imp.test,ACC-1,,won,,,2026-02-10,100,USD,,NOPE',
      'F-16,negative,ian.rep@imp.test,ACC-1,,won,,,2026-02-10,-5,USD,,',
      'F-17,nul \u0000 char,ian.rep@imp.test,ACC-1,,won,,,2026-02-10,100,USD,,',
      'F-18,short row,ian.rep@imp.test',
      'F-19,twice,ian.rep@imp.test,ACC-1,,won,,,2026-02-10,100,USD,,',
      'F-19,twice again,ian.rep@imp.test,ACC-1,,won,,,2026-02-10,100,USD,,',
      'F-20,formula,ian.rep@imp.test,ACC-1,"=HYPERLINK(""x"")",lost,,,2026-02-10,0,XX,,',
      'F-21,credit to unknown,ian.rep@imp.test,ACC-1,,won,,,2026-02-10,100,USD,ghost@imp.test:1,',
      '',
    ].join('\n');
    const r = await upload(h, h.org.ops, 'deals', bad, 'currency=USD');
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('IMPORT.REJECTED');
    const result = r.body.details;
    const found = result.issues.map((i: { line: number; code: string }) => `${i.line} ${i.code}`);
    expect(found).toEqual(expect.arrayContaining([
      '3 FIELD.REQUIRED', '4 OWNER.UNKNOWN', '5 ACCOUNT.UNKNOWN', '6 PRODUCT.UNKNOWN', '7 STAGE.UNMAPPED', '8 DATE.INVALID', '9 DATE.FORMAT',
      '10 MONEY.PRECISION', '11 MONEY.FORMAT', '12 DEAL.WON_NEEDS_AMOUNT', '13 DEAL.WON_NEEDS_CLOSE_DATE', '14 CURRENCY.MISMATCH', '15 CREDIT.SHARES_SUM',
      '16 REVERSES.UNKNOWN', '17 MONEY.NEGATIVE', '18 TEXT.NUL', '19 ROW.COLUMN_COUNT', '20 ROW.DUPLICATE_KEY', '21 ROW.DUPLICATE_KEY', '22 CURRENCY.FORMAT', '23 CREDIT.UNKNOWN_PERSON',
    ]));
    expect(new Set(result.issues.map((i: { code: string }) => i.code)).size).toBeGreaterThanOrEqual(20);
    expect(result.counts).toMatchObject({ rowsRead: 22, rowsInvalid: 21, rowsValid: 1, created: 0, rowsWritten: 0 });
    const product = result.issues.find((i: { code: string }) => i.code === 'PRODUCT.UNKNOWN');
    expect(product).toEqual({ line: 6, column: 'product', field: 'product', value: 'Edge-Plus', code: 'PRODUCT.UNKNOWN', message: 'product `Edge-Plus` is unknown; did you mean `Edge Plus`?', suggestion: 'Edge Plus', severity: 'error' });
    expect(result.issues.find((i: { code: string }) => i.code === 'ACCOUNT.UNKNOWN').suggestion).toBe('Alpha Corp');

    const after = await tableCounts(h.db);
    expect({ ...after, imports: 0, import_issues: 0, audit_events: 0 }).toEqual({ ...before, imports: 0, import_issues: 0, audit_events: 0 });
    const record = await h.db.getRepository(ImportEntity).findOneByOrFail({ id: result.id });
    expect(record).toMatchObject({ status: 'rejected', rowsInvalid: 21 });
    const event = await h.db.getRepository(AuditEventEntity).findOneByOrFail({ subject: `import:${result.id}` });
    expect(event).toMatchObject({ action: 'import.rejected', data: expect.objectContaining({ fileHash: result.fileHash, counts: expect.objectContaining({ rowsInvalid: 21 }) }) });

    const csv = await get(h, h.org.finance, `/imports/${result.id}/report?format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = csv.text.split('\r\n');
    expect(lines[0]).toBe('line,column,field,value,code,severity,message,suggestion');
    expect(lines.length - 2).toBe(result.counts.issues);
    expect(csv.text).toContain(`"'=HYPERLINK(""x"")"`);
    expect(csv.text).not.toMatch(/(^|,)=HYPERLINK/m);
    const json = await get(h, h.org.auditor, `/imports/${result.id}/report`);
    expect(json.body.issues).toHaveLength(result.counts.issues);
  });

  it('a dry run answers the report and the counts that would change, and writes nothing at all', async () => {
    await importReference(h);
    const before = await tableCounts(h.db);
    const r = await upload(h, h.org.ops, 'deals', DEALS.replace('D-1,', 'D-1-DRY,'), 'dryRun=true&currency=USD');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: null, dryRun: true, status: 'completed' });
    expect(r.body.counts.created + r.body.counts.updated + r.body.counts.unchanged).toBe(5);
    const people = await upload(h, h.org.admin, 'people', PEOPLE.replace('Ian Rep,', 'Ian Changed,'), 'dryRun=true&deactivateMissing=true');
    expect(people.body.counts).toMatchObject({ updated: 1, deactivated: expect.any(Number) });
    expect(people.body.issues.filter((i: { code: string }) => i.code === 'PERSON.DEACTIVATED').length).toBe(people.body.counts.deactivated);
    const bad = await upload(h, h.org.ops, 'products', 'code,name,list_price\nX,,1.001\n', 'dryRun=true');
    expect(bad.body).toMatchObject({ status: 'rejected', dryRun: true, counts: { rowsInvalid: 1 } });
    expect(await tableCounts(h.db)).toEqual(before);
  });

  it('skip-bad-rows imports the good rows; the skipped ones are in the report and the record', async () => {
    await importReference(h);
    const file = 'code,name,family,list_price\nSKIP-1,Good One,,10\nSKIP-2,,,10\nSKIP-3,Good Three,,10.5\nSKIP-4,Bad price,,ten\n';
    const r = await upload(h, h.org.ops, 'products', file, 'skipBadRows=true');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'completed', counts: { rowsRead: 4, created: 2, skipped: 2, rowsInvalid: 2 } });
    expect(r.body.issues.map((i: { line: number; code: string }) => [i.line, i.code])).toEqual([[3, 'FIELD.REQUIRED'], [5, 'MONEY.FORMAT']]);
    const record = await get(h, h.org.auditor, `/imports/${r.body.id}`);
    expect(record.body).toMatchObject({ status: 'completed', skipBadRows: true, counts: { skipped: 2 }, requestedByName: h.org.ops.name });
    expect(record.body.issues).toHaveLength(2);
    expect(await count(h.db, `SELECT count(*)::int AS n FROM products WHERE code LIKE 'SKIP-%'`)).toBe(2);
  });

  it('people absent from a full file are deactivated only with deactivateMissing, listed in the report', async () => {
    await importReference(h);
    const withoutIris = PEOPLE.split('\r\n').filter((l) => !l.startsWith('Iris')).join('\r\n');
    const plain = await upload(h, h.org.ops, 'people', withoutIris);
    expect(plain.body.counts.deactivated).toBe(0);
    const full = await upload(h, h.org.ops, 'people', withoutIris, 'deactivateMissing=true');
    expect(full.body.issues).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'PERSON.DEACTIVATED', value: 'iris.rep@imp.test', severity: 'info' })]));
    expect(full.body.issues.map((i: { value: string }) => i.value)).not.toContain(h.org.ops.email);
    expect((await h.db.getRepository(PersonEntity).findOneByOrFail({ email: 'iris.rep@imp.test' })).active).toBe(false);
    const back = await upload(h, h.org.ops, 'people', PEOPLE);
    expect(back.body.counts.updated).toBe(1);
    expect((await h.db.getRepository(PersonEntity).findOneByOrFail({ email: 'iris.rep@imp.test' })).active).toBe(true);
    // Bring the harness people back (deactivated by the full file above).
    await h.db.query(`UPDATE people SET active = true WHERE email LIKE '%@e2e.test'`);
  });

  it('takes multipart uploads and JSON rows; refuses other bodies, non-UTF-8 and malformed CSV with a clear code', async () => {
    const form = new FormData();
    form.append('file', new Blob([TEAMS]), 'teams.csv');
    const multipart = await upload(h, h.org.ops, 'teams', form, '', null);
    expect(multipart.status).toBe(200);
    expect(multipart.body.counts.rowsRead).toBe(2);
    const record = await h.db.getRepository(ImportEntity).findOneByOrFail({ id: multipart.body.id });
    expect(record.fileName).toBe('teams.csv');

    const json = await upload(h, h.org.ops, 'products', JSON.stringify({ rows: [{ code: 'JSON-1', name: 'From JSON', list_price: '5.00' }] }), '', 'application/json');
    expect(json.body).toMatchObject({ status: 'completed', counts: { created: 1 } });
    const number = await upload(h, h.org.ops, 'products', JSON.stringify({ rows: [{ code: 'JSON-2', name: 'x', list_price: 5.1 }] }), '', 'application/json');
    expect(number.status).toBe(400);
    expect(number.body.details[0].field).toBe('rows[0].list_price');

    expect((await upload(h, h.org.ops, 'teams', 'x', '', 'text/plain')).status).toBe(415);
    expect((await upload(h, h.org.ops, 'widgets', TEAMS)).body).toMatchObject({ code: 'VALIDATION.FAILED' });

    const latin1 = Buffer.concat([Buffer.from('code,name\nLAT-1,Caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    const notUtf8 = await upload(h, h.org.ops, 'products', latin1);
    expect(notUtf8.status).toBe(422);
    expect(notUtf8.body.details.fileError).toEqual({ code: 'FILE.NOT_UTF8', message: expect.stringContaining('line 2') });
    const unclosed = await upload(h, h.org.ops, 'products', 'code,name\nQ-1,"never closed\n');
    expect(unclosed.body.details.fileError.code).toBe('FILE.MALFORMED_CSV');
    const missing = await upload(h, h.org.ops, 'products', 'kode,name\nX,Y\n');
    expect(missing.body.details.issues[0]).toMatchObject({ code: 'FILE.MISSING_COLUMN', line: 1, message: expect.stringContaining('did you mean `kode`?') });

    const nulHeader = await upload(h, h.org.ops, 'products', 'code,na\u0000me\nX,Y\n');
    expect([nulHeader.status, nulHeader.body.details.fileError.code]).toEqual([422, 'FILE.BAD_HEADER']);
    const nulJson = await upload(h, h.org.ops, 'products', JSON.stringify({ rows: [{ code: 'J\u0000', name: 'x' }] }), 'dryRun=true', 'application/json');
    expect(nulJson.body.issues).toEqual([expect.objectContaining({ code: 'TEXT.NUL', value: 'J\\u0000' })]);
    const badName = new FormData();
    badName.append('file', new Blob([TEAMS]), 'tea\u0007ms.csv');
    const refused = await upload(h, h.org.ops, 'teams', badName, '', null);
    expect([refused.status, refused.body.code]).toEqual([400, 'VALIDATION.FAILED']);

    // A BOM, CRLF line ends and a quoted field with an embedded newline.
    const tricky = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('code,name,family\r\nNL-1,"Two\r\nlines",F\r\nNL-2,After,F\r\nNL-3,,F\r\n')]);
    const r = await upload(h, h.org.ops, 'products', tricky, 'dryRun=true');
    expect(r.body.issues).toEqual([expect.objectContaining({ line: 5, field: 'name', code: 'FIELD.REQUIRED' })]);
  });

  it('roles: ops and admin import; finance and the auditor read imports; reps and managers do neither', async () => {
    for (const p of [h.org.rep, h.org.manager, h.org.finance, h.org.auditor]) {
      expect([p.name, (await upload(h, p, 'teams', TEAMS, 'dryRun=true')).status]).toEqual([p.name, 403]);
    }
    for (const p of [h.org.rep, h.org.manager]) {
      expect([p.name, (await get(h, p, '/imports')).status]).toEqual([p.name, 403]);
      expect([p.name, (await get(h, p, '/import-profiles')).status]).toEqual([p.name, 403]);
    }
    const list = await get(h, h.org.finance, '/imports?limit=5');
    expect(list.status).toBe(200);
    expect(list.body.imports.length).toBeGreaterThan(0);
    expect(list.body.imports[0]).toEqual(expect.objectContaining({ id: expect.any(String), requestedVia: 'api', fileHash: expect.stringMatching(/^[0-9a-f]{64}$/), counts: expect.any(Object), reportUrl: expect.any(String) }));
    expect((await get(h, h.org.auditor, '/imports?kind=deals')).status).toBe(200);
    expect((await upload(h, h.org.admin, 'teams', TEAMS, 'dryRun=true')).status).toBe(200);
  });

  it('ops saves a profile that extends a shipped one; a value mapping fixes a misspelt product', async () => {
    await importReference(h);
    const put = async (as: PersonEntity, key: string, body: unknown) => {
      const res = await fetch(`${h.baseUrl}/api/v1/import-profiles/${key}`, { method: 'PUT', headers: { authorization: `Bearer ${h.token(as)}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: await res.json() };
    };
    expect((await put(h.org.rep, 'acme', { name: 'x', kind: 'deals' })).status).toBe(403);
    expect((await put(h.org.ops, 'salesforce', { name: 'mine', kind: 'deals' })).status).toBe(409);
    expect((await put(h.org.ops, 'acme', { name: 'Acme', kind: 'deals', extends: 'nothing' })).status).toBe(404);
    expect((await put(h.org.ops, 'acme', { name: 'Acme', kind: 'deals', stages: { Won: 'done' } })).body).toMatchObject({ code: 'VALIDATION.FAILED', details: [{ field: 'stages.Won' }] });
    expect((await put(h.org.ops, 'acme', { name: 'Ac\u0000me', kind: 'deals' })).body).toMatchObject({ code: 'VALIDATION.FAILED', details: [{ field: 'name' }] });
    expect((await put(h.org.ops, 'acme', { name: 'Acme', kind: 'deals', values: { product: { '\ud800': 'x' } } })).status).toBe(400);
    const saved = await put(h.org.ops, 'acme', { name: 'Acme deals', kind: 'deals', extends: 'quotaflow', values: { product: { 'Edge-Plus': 'EDGE-PLUS' } } });
    expect(saved.status).toBe(200);
    const file = 'external_id,owner,account,product,stage,close_date,amount,currency\nMAP-1,ian.rep@imp.test,ACC-1,Edge-Plus,won,2026-05-01,10,USD\n';
    expect((await upload(h, h.org.ops, 'deals', file)).status).toBe(422);
    expect((await upload(h, h.org.ops, 'deals', file, 'profile=acme')).body).toMatchObject({ status: 'completed', counts: { created: 1 } });
    const listed = await get(h, h.org.auditor, '/import-profiles?kind=deals');
    expect(listed.body.profiles.map((p: { profile: { key: string } }) => p.profile.key)).toEqual(['quotaflow', 'salesforce', 'hubspot', 'acme']);
    const event = await h.db.getRepository(AuditEventEntity).findOneByOrFail({ subject: 'import-profile:acme' });
    expect(event).toMatchObject({ action: 'import-profile.saved', actorId: h.org.ops.id });
  });
});
