/**
 * The README's "Import an organisation" section, step by step: the example files of docs/examples
 * through `npm run import` (the built CLI against the database) and the import-profile API, as a
 * new user would — the bad deals file reported with its suggestions, fixed by a value mapping,
 * imported; importing again changes nothing.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DealEntity, PersonEntity, TeamEntity } from '@quotaflow/persistence';
import { seedDemo } from '../../apps/cli/src/demo/seed-demo.service';
import { type Harness, startHarness } from './harness';
import { count, get } from './imports-support';
import { fromStage } from '../support/stages';

jest.setTimeout(240_000);

const ROOT = resolve(__dirname, '../..');
const CLI = resolve(ROOT, 'dist/apps/cli/src/import.js');
const example = (name: string) => join('docs/examples', name);

describe('README: import an organisation from the example files', () => {
  let h: Harness;
  let dir: string;
  const cli = (...args: string[]) => new Promise<{ code: number; out: string }>((done) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...h.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('exit', (code) => done({ code: code ?? 1, out }));
  });

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run the tests through \`npm test\`, which builds first`);
    h = await startHarness('imports-readme');
    dir = mkdtempSync(join(tmpdir(), 'quotaflow-readme-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await h?.close();
  });

  // What each step leaves for the next (fromStage fails a step at once when the one it needs did not finish).
  let ops: PersonEntity | undefined;
  let referenceData: true | undefined;
  let profileStored: true | undefined;

  it('1. teams, people (the teams again for their managers), territories, accounts and products through the CLI (on a database that holds the demo organisation too)', async () => {
    await seedDemo(h.db);
    // 1. Teams first: their managers are not known yet (warned, set by the second pass).
    const teams = await cli('teams', example('teams.csv'));
    expect(teams.code).toBe(0);
    expect(teams.out).toContain('created 3, updated 0, unchanged 0');
    expect(teams.out).toContain('TEAM.MANAGER_NOT_YET_KNOWN');
    const people = await cli('people', example('people.csv'));
    expect([people.code, people.out]).toEqual([0, expect.stringContaining('created 13')]);
    const again = await cli('teams', example('teams.csv'));
    expect(again.out).toContain('created 0, updated 3, unchanged 0');
    const nora = await h.db.getRepository(PersonEntity).findOneByOrFail({ email: 'nora.lindqvist@northwind.example' });
    ops = nora;
    const east = await h.db.getRepository(TeamEntity).findOneByOrFail({ name: 'Northwind East' });
    expect(east.managerId).toBe((await h.db.getRepository(PersonEntity).findOneByOrFail({ email: 'ada.lovelace@northwind.example' })).id);

    for (const [kind, file, created] of [['territories', 'territories.csv', 9], ['accounts', 'accounts.csv', 12], ['products', 'products.csv', 4]] as const) {
      const r = await cli(kind, example(file), '--as', nora.email);
      expect([kind, r.code, r.out]).toEqual([kind, 0, expect.stringContaining(`created ${created}, updated 0`)]);
    }
    referenceData = true;
  });

  it('2. the deals: a dry run reports the bad rows with their suggestions (on screen and in the report file) and writes nothing', async () => {
    fromStage(referenceData, 'step 1, the organisation imported');
    const report = join(dir, 'deals-report.csv');
    const dry = await cli('deals', example('deals-salesforce.csv'), '--profile', 'salesforce', '--dry-run', '--report', report);
    expect(dry.code).toBe(1);
    expect(dry.out).toContain('dry run: the file would be rejected; nothing was written');
    expect(dry.out).toContain('rows 49 read, 45 valid, 4 with errors');
    expect(dry.out).toContain('product `Edge-Plus` is unknown; did you mean `Edge Plus`?');
    expect(dry.out).toContain('account `ACME Robotics Inc` is unknown; did you mean `Acme Robotics, Inc.`?');
    expect(dry.out).toContain('owner `Priya  Shah` is unknown; did you mean `Priya Shah`?');
    const csv = readFileSync(report, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('line,column,field,value,code,severity,message,suggestion');
    expect(csv).toContain('6,Product Name,product,Edge-Plus,PRODUCT.UNKNOWN,error');
    expect(await count(h.db, `SELECT count(*)::int AS n FROM deals WHERE external_id IS NOT NULL`)).toBe(0);
  });

  it('3. the fix: a profile of one’s own with explicit value mappings (the README’s JSON, verbatim) stored through the API', async () => {
    const nora = fromStage(ops, 'step 1, the organisation imported');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const profile = /-d '(\{"name": "Northwind Salesforce report".*?\})' \\\n/s.exec(readme);
    expect(profile).not.toBeNull();
    const put = await fetch(`${h.baseUrl}/api/v1/import-profiles/northwind-salesforce`, {
      method: 'PUT', headers: { authorization: `Bearer ${h.token(nora)}`, 'content-type': 'application/json' }, body: profile![1]!,
    });
    expect(put.status).toBe(200);
    profileStored = true;
  });

  it('4. the deals imported with that profile; 5. imported again, nothing changes: 49 deals (25 won, 8 lost, one reversal), two completed CLI imports', async () => {
    const nora = fromStage(ops, 'step 1, the organisation imported');
    fromStage(referenceData, 'step 1, the organisation imported');
    fromStage(profileStored, 'step 3, the profile stored');
    const done = await cli('deals', example('deals-salesforce.csv'), '--profile', 'northwind-salesforce', '--as', nora.email);
    expect([done.code, done.out]).toEqual([0, expect.stringContaining('created 49, updated 0, unchanged 0')]);
    const repeat = await cli('deals', example('deals-salesforce.csv'), '--profile', 'northwind-salesforce', '--as', nora.email);
    expect(repeat.out).toContain('created 0, updated 0, unchanged 49');
    const deals = (await h.db.getRepository(DealEntity).find()).filter((d) => d.externalId?.startsWith('006Nw'));
    expect(deals.filter((d) => d.stage === 'won')).toHaveLength(25);
    expect(deals.filter((d) => d.stage === 'lost')).toHaveLength(8);
    expect(deals.filter((d) => d.reversesDealId !== null)).toHaveLength(1);
    const list = await get(h, nora, '/imports?kind=deals');
    expect(list.body.imports.map((i: { status: string; requestedVia: string }) => `${i.status} ${i.requestedVia}`)).toEqual(['completed cli', 'completed cli']);
  });
});
