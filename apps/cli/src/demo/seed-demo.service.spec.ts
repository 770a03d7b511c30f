import { DataSource } from 'typeorm';
import { createDataSource, PersonEntity, PlanVersionEntity, TeamEntity } from '@quotaflow/persistence';
import { createTestDatabase, TestDatabase } from '../../../../test/support/database';
import { DEMO_PEOPLE } from './demo-organisation';
import { seedDemo } from './seed-demo.service';
import { uuidV5 } from './stable-id';

let db: TestDatabase;
let ds: DataSource;
beforeAll(async () => {
  db = await createTestDatabase();
  ds = await createDataSource({ url: db.url, appRole: 'quotaflow_app' }, { role: 'app' }).initialize();
});
afterAll(async () => {
  await ds.destroy();
  await db.drop();
});

describe('uuidV5', () => {
  it('matches the RFC 4122 reference vector', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });
});

describe('seedDemo', () => {
  it('is idempotent: same ids and counts on every run, demo edits restored', async () => {
    const first = await seedDemo(ds);
    expect(first.counts).toEqual({ teams: 3, people: 20, plans: 1, planVersions: 1 });
    const liam = DEMO_PEOPLE.find((p) => p.key === 'liam.carter')!;
    await ds.getRepository(PersonEntity).update(liam.id, { name: 'Changed', active: false });

    const second = await seedDemo(ds);
    expect(second.counts).toEqual(first.counts);
    expect(second.people).toEqual(first.people);
    expect(await ds.getRepository(PersonEntity).findOneByOrFail({ id: liam.id })).toMatchObject({ name: 'Liam Carter', active: true });
  });

  it('covers every role, with reps reporting to their team manager', async () => {
    await seedDemo(ds);
    const people = await ds.getRepository(PersonEntity).find();
    const withRole = (role: string): PersonEntity[] => people.filter((p) => p.roles.includes(role as never));
    expect([withRole('admin'), withRole('ops'), withRole('finance'), withRole('auditor'), withRole('manager'), withRole('rep')].map((l) => l.length)).toEqual([1, 2, 2, 1, 3, 11]);

    const teams = await ds.getRepository(TeamEntity).find();
    expect(teams.map((t) => t.name).sort()).toEqual(['Enterprise East', 'Enterprise West', 'Mid-Market']);
    for (const rep of withRole('rep')) {
      const team = teams.find((t) => t.id === rep.teamId)!;
      expect(rep.managerId).toBe(team.managerId);
      expect(rep.attributes.annualQuota).toMatch(/^\d+\.\d{2}$/);
      expect(rep.email).toMatch(/^[a-z]+\.[a-z]+@demo\.quotaflow\.local$/);
    }
    for (const manager of withRole('manager')) expect(teams.some((t) => t.managerId === manager.id && t.id === manager.teamId)).toBe(true);
  });

  it('stores plan ae-2026 version 1 with its document hash', async () => {
    await seedDemo(ds);
    const version = await ds.getRepository(PlanVersionEntity).findOneByOrFail({ version: 1 });
    expect(version).toMatchObject({ periodLabel: 'FY2026', effectiveFrom: '2026-01-01' });
    expect(version.document.id).toBe('ae-2026');
    expect(version.documentHash).toMatch(/^[0-9a-f]{64}$/);
  });
});
