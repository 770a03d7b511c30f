import { builtinProfile, SALESFORCE_PROFILE } from './builtin-profiles';
import { mergeProfiles, resolveColumns, validateProfile } from './profile';
import { dealReferences, planAccounts, planPeople, planProducts, planTeams, planTerritories, validateDealRow, type PersonRecord } from './rows';
import { row, rows } from './rows.mother';

const defaults = (kind: Parameters<typeof builtinProfile>[1]) => builtinProfile('quotaflow', kind)!;
const known = { teams: ['West'], people: [{ email: 'mia@x.test', name: 'Mia' }], territories: ['North America'] };

describe('people: planned changes', () => {
  const existing: Array<PersonRecord & { id: string }> = [
    { id: 'p1', name: 'Mia', email: 'mia@x.test', roles: ['manager'], team: 'West', managerEmail: null, employeeId: 'E1', startDate: null, endDate: null, active: true },
    { id: 'p2', name: 'Old Rep', email: 'old@x.test', roles: ['rep'], team: 'West', managerEmail: 'mia@x.test', employeeId: null, startDate: null, endDate: null, active: true },
  ];
  const file = rows(
    { name: 'Mia', email: 'MIA@x.test', roles: 'manager', team: 'West', employee_id: 'E1' },
    { name: 'Rita Rep', email: 'rita@x.test', roles: 'rep', team: 'West', manager_email: 'mia@x.test', start_date: '2026-01-05' },
  );

  it('the same records change nothing; a new one is created', () => {
    const plan = planPeople(defaults('people'), file, existing, known, { today: '2026-06-01' });
    expect(plan.issues).toEqual([]);
    expect(plan.unchanged).toBe(1);
    expect(plan.creates.map((c) => c.key)).toEqual(['rita@x.test']);
    expect(plan.updates).toEqual([]);
    expect(plan.deactivations).toEqual([]);
  });

  it('a changed row is an update with before and after', () => {
    const plan = planPeople(defaults('people'), rows({ name: 'Mia Manager', email: 'mia@x.test', roles: 'manager;ops', team: 'West', employee_id: 'E1' }), existing, known, { today: '2026-06-01' });
    expect(plan.updates).toEqual([expect.objectContaining({ id: 'p1', before: expect.objectContaining({ name: 'Mia', roles: ['manager'] }), after: expect.objectContaining({ name: 'Mia Manager', roles: ['manager', 'ops'] }) })]);
  });

  it('people absent from a full file are deactivated only when asked, and listed', () => {
    expect(planPeople(defaults('people'), file, existing, known, { today: '2026-06-01' }).deactivations).toEqual([]);
    const plan = planPeople(defaults('people'), file, existing, known, { today: '2026-06-01', deactivateMissing: true });
    expect(plan.deactivations).toEqual([expect.objectContaining({ id: 'p2', key: 'old@x.test', after: expect.objectContaining({ active: false }) })]);
  });

  it('a manager defined further down the same file is known; a rejected one makes its reports rejected', () => {
    const plan = planPeople(defaults('people'), rows(
      { name: 'Rep', email: 'rep@x.test', roles: 'rep', manager_email: 'boss@x.test' },
      { name: 'Boss', email: 'boss@x.test', roles: 'manager' },
    ), [], known, { today: '2026-06-01' });
    expect(plan.issues).toEqual([]);
    const bad = planPeople(defaults('people'), rows(
      { name: 'Rep', email: 'rep@x.test', roles: 'rep', manager_email: 'boss@x.test' },
      { name: 'Boss', email: 'boss@x.test', roles: 'chief' },
    ), [], known, { today: '2026-06-01' });
    expect(bad.badLines).toEqual([2, 3]);
    expect(bad.issues.map((i) => i.code)).toEqual(['PERSON.UNKNOWN', 'PERSON.UNKNOWN_ROLE']);
    expect(bad.issues[0]!.message).toContain('line 3');
  });

  it('reports each fault with line, field, value and code; never guesses', () => {
    const plan = planPeople(defaults('people'), rows(
      { name: '', email: 'not-an-email', roles: 'rep' },
      { name: 'Ann', email: 'ann@x.test', roles: 'rep', team: 'Wesst', end_date: '2026-13-01' },
      { name: 'Bob', email: 'ann@x.test', roles: 'rep' },
      { name: 'Cy', email: 'cy@x.test', roles: 'rep', employee_id: 'E1' },
    ), existing, known, { today: '2026-06-01' });
    expect(plan.issues.map((i) => [i.line, i.field, i.code])).toEqual([
      [2, 'name', 'FIELD.REQUIRED'], [2, 'email', 'EMAIL.FORMAT'], [3, 'end_date', 'DATE.INVALID'], [4, null, 'ROW.DUPLICATE_KEY'], [5, 'employee_id', 'PERSON.EMPLOYEE_ID_TAKEN'],
    ]);
    const wesst = planPeople(defaults('people'), rows({ name: 'Ann', email: 'ann@x.test', roles: 'rep', team: 'Wesst' }), [], known, { today: '2026-06-01' });
    expect(wesst.issues).toEqual([expect.objectContaining({ code: 'TEAM.UNKNOWN', value: 'Wesst', suggestion: 'West' })]);
    expect(wesst.creates).toEqual([]);
  });

  it('a value mapping of the profile fixes a name before lookup', () => {
    const profile = { ...defaults('people'), values: { team: { Wesst: 'West' } } };
    const plan = planPeople(profile, rows({ name: 'Ann', email: 'ann@x.test', roles: 'rep', team: 'Wesst' }), [], known, { today: '2026-06-01' });
    expect(plan.issues).toEqual([]);
    expect(plan.creates[0]!.after.team).toBe('West');
  });

  it('an end date in the past makes the person inactive', () => {
    const plan = planPeople(defaults('people'), rows({ name: 'Gone', email: 'gone@x.test', roles: 'rep', end_date: '2026-03-31' }), [], known, { today: '2026-06-01' });
    expect(plan.creates[0]!.after.active).toBe(false);
  });
});

describe('teams and territories: trees', () => {
  it('refuses a cycle, accepts a parent defined later in the file', () => {
    const ok = planTeams(defaults('teams'), rows({ name: 'Child', parent_team: 'Parent' }, { name: 'Parent' }), [], known);
    expect(ok.issues).toEqual([]);
    expect(ok.creates.map((c) => c.key)).toEqual(['Child', 'Parent']);
    const cycle = planTerritories(defaults('territories'), rows({ name: 'A', parent: 'B' }, { name: 'B', parent: 'A' }), [], known);
    expect(cycle.issues.map((i) => i.code)).toEqual(['TERRITORY.CYCLE', 'TERRITORY.CYCLE']);
  });

  it('a manager not imported yet leaves the team without one, with a warning; the same file later sets it', () => {
    const plan = planTeams(defaults('teams'), rows({ name: 'East', manager_email: 'nobody@x.test' }), [], known);
    expect(plan.issues).toEqual([expect.objectContaining({ line: 2, field: 'manager_email', code: 'TEAM.MANAGER_NOT_YET_KNOWN', value: 'nobody@x.test', severity: 'warning' })]);
    expect(plan.creates).toEqual([expect.objectContaining({ after: { name: 'East', managerEmail: null, parentTeam: null } })]);
    const later = planTeams(defaults('teams'), rows({ name: 'East', manager_email: 'nobody@x.test' }), [{ id: 't1', name: 'East', managerEmail: null, parentTeam: null }], { ...known, people: [{ email: 'nobody@x.test', name: 'No Body' }] });
    expect(later.issues).toEqual([]);
    expect(later.updates).toEqual([expect.objectContaining({ after: { name: 'East', managerEmail: 'nobody@x.test', parentTeam: null } })]);
  });
});

describe('accounts and products', () => {
  it('an account never changes territory through an import', () => {
    const plan = planAccounts(defaults('accounts'), rows({ external_id: 'A-1', name: 'Acme', territory: 'Elsewhere' }),
      [{ id: 'a1', externalId: 'A-1', name: 'Acme', territory: 'North America', industry: null, attributes: {}, territorySince: null }], { ...known, territories: ['North America', 'Elsewhere'] });
    expect(plan.issues.map((i) => i.code)).toEqual(['ACCOUNT.TERRITORY_CHANGE']);
  });

  it('keeps attributes and compares without the ownership start', () => {
    const existing = [{ id: 'a1', externalId: 'A-1', name: 'Acme', territory: 'North America', industry: 'Retail', attributes: { segment: 'Enterprise' }, territorySince: null }];
    const plan = planAccounts(defaults('accounts'), [row(2, { external_id: 'A-1', name: 'Acme', territory: 'North America', industry: 'Retail', territory_since: '2025-01-01' }, { segment: 'Enterprise' })], existing, known);
    expect(plan.unchanged).toBe(1);
  });

  it('list prices are exact, never negative', () => {
    const plan = planProducts(defaults('products'), rows({ code: 'EDGE', name: 'Edge', list_price: '1200.5' }, { code: 'BAD', name: 'Bad', list_price: '-1' }, { code: 'X', name: 'X', list_price: '1.234' }), []);
    expect(plan.creates.map((c) => c.after.listPrice)).toEqual(['1200.50']);
    expect(plan.issues.map((i) => i.code)).toEqual(['MONEY.NEGATIVE', 'MONEY.PRECISION']);
  });
});

describe('deal rows', () => {
  const refs = dealReferences(
    [
      { id: 'u1', name: 'Liam Carter', email: 'liam@x.test', employeeId: 'E-100', active: true, endDate: null },
      { id: 'u2', name: 'Emma Nguyen', email: 'emma@x.test', employeeId: null, active: true, endDate: null },
      { id: 'u3', name: 'Gone Rep', email: 'gone@x.test', employeeId: null, active: false, endDate: '2026-01-31' },
    ],
    [{ id: 'a1', externalId: '001A', name: 'Acme Corp' }],
    [{ id: 'pr1', code: 'EDGE-PLUS', name: 'Edge Plus' }],
  );
  const ctx = { profile: defaults('deals'), refs, currency: 'USD' };
  const base = { external_id: 'D-1', owner: 'liam@x.test', account: '001A', product: 'EDGE-PLUS', stage: 'won', close_date: '2026-03-15', amount: '1000.00', currency: 'USD' };

  it('resolves owners by email, employee id or exact full name, accounts by id or name, products by code or name', () => {
    for (const owner of ['liam@x.test', 'LIAM@X.TEST', 'E-100', 'Liam Carter']) {
      expect(validateDealRow(row(2, { ...base, owner, account: 'Acme Corp', product: 'Edge Plus' }), ctx).deal).toMatchObject({ ownerId: 'u1', accountId: 'a1', productId: 'pr1' });
    }
  });

  it('open deals may lack close date and amount; lost may be 0; won needs both (and more than 0)', () => {
    expect(validateDealRow(row(2, { ...base, stage: 'open', close_date: '', amount: '' }), ctx).deal).toMatchObject({ stage: 'open', closeDate: null, amount: null });
    expect(validateDealRow(row(2, { ...base, stage: 'lost', amount: '0' }), ctx).deal).toMatchObject({ stage: 'lost', amount: '0.00' });
    expect(validateDealRow(row(2, { ...base, close_date: '', amount: '' }), ctx).issues.map((i) => i.code)).toEqual(['DEAL.WON_NEEDS_CLOSE_DATE', 'DEAL.WON_NEEDS_AMOUNT']);
    expect(validateDealRow(row(2, { ...base, amount: '0' }), ctx).issues.map((i) => i.code)).toEqual(['DEAL.WON_ZERO']);
  });

  it('suggests, never substitutes, an unknown product', () => {
    const r = validateDealRow(row(7, { ...base, product: 'Edge-Plus' }), ctx);
    expect(r.deal).toBeUndefined();
    expect(r.issues).toEqual([{ line: 7, column: 'product', field: 'product', value: 'Edge-Plus', code: 'PRODUCT.UNKNOWN', message: 'product `Edge-Plus` is unknown; did you mean `Edge Plus`?', suggestion: 'Edge Plus', severity: 'error' }]);
    const mapped = validateDealRow(row(7, { ...base, product: 'Edge-Plus' }), { ...ctx, profile: { ...ctx.profile, values: { product: { 'Edge-Plus': 'EDGE-PLUS' } } } });
    expect(mapped.deal?.productId).toBe('pr1');
  });

  it('credits: exact shares summing to 1, known people who had not left', () => {
    expect(validateDealRow(row(2, { ...base, credits: 'liam@x.test:0.7;emma@x.test:0.3' }), ctx).deal?.credits).toEqual([{ personId: 'u1', share: '0.7' }, { personId: 'u2', share: '0.3' }]);
    const codes = (credits: string) => validateDealRow(row(2, { ...base, credits }), ctx).issues.map((i) => i.code);
    expect(codes('liam@x.test:0.7;emma@x.test:0.2')).toEqual(['CREDIT.SHARES_SUM']);
    expect(codes('liam@x.test:70%')).toEqual(['CREDIT.SHARE_FORMAT']);
    expect(codes('nobody@x.test:1')).toEqual(['CREDIT.UNKNOWN_PERSON']);
    expect(codes('gone@x.test:1')).toEqual(['CREDIT.PERSON_LEFT']);
    expect(codes('liam@x.test:0.5;liam@x.test:0.5')).toEqual(['CREDIT.DUPLICATE_PERSON']);
  });

  it('one currency per organisation; money at most 2 decimals; a cancellation may be written negative', () => {
    expect(validateDealRow(row(2, { ...base, currency: 'EUR' }), ctx).issues.map((i) => i.code)).toEqual(['CURRENCY.MISMATCH']);
    expect(validateDealRow(row(2, { ...base, amount: '10.001' }), ctx).issues.map((i) => i.code)).toEqual(['MONEY.PRECISION']);
    expect(validateDealRow(row(2, { ...base, amount: '-10' }), ctx).issues.map((i) => i.code)).toEqual(['MONEY.NEGATIVE']);
    expect(validateDealRow(row(2, { ...base, external_id: 'D-2', amount: '-10', reverses: 'D-1' }), ctx).deal).toMatchObject({ amount: '10.00', reversesExternalId: 'D-1' });
    expect(validateDealRow(row(2, { ...base, currency: '' }), { ...ctx, currency: null }).issues.map((i) => i.code)).toEqual(['CURRENCY.UNKNOWN']);
  });

  it('warns (does not reject) when the owner has left', () => {
    const r = validateDealRow(row(2, { ...base, owner: 'gone@x.test' }), ctx); // left 2026-01-31, the deal closes 2026-03-15
    expect(r.deal).toMatchObject({ amount: '1000.00' });
    expect(r.issues).toEqual([expect.objectContaining({ code: 'OWNER.LEFT', severity: 'warning' })]);
  });

  it('maps Salesforce stages and types; anything else is open', () => {
    const sf = { profile: SALESFORCE_PROFILE, refs, currency: 'USD' };
    const d = (stage: string, type = '') => validateDealRow(row(2, { ...base, stage, type, close_date: '3/15/2026' }), sf).deal;
    expect(d('Closed Won', 'Existing Customer - Upgrade')).toMatchObject({ stage: 'won', type: 'expansion', closeDate: '2026-03-15' });
    expect(d('Closed Lost')?.stage).toBe('lost');
    expect(d('Negotiation/Review')?.stage).toBe('open');
    expect(validateDealRow(row(2, { ...base, stage: 'Closed Won', type: 'Partner', close_date: '3/15/2026' }), sf).issues.map((i) => i.code)).toEqual(['TYPE.UNMAPPED']);
  });
});

describe('profiles', () => {
  it('finds columns by the profile, lists unused ones, names a missing required column', () => {
    const { layout, problems } = resolveColumns('deals', SALESFORCE_PROFILE, ['Opportunity ID', 'Opportunity Name', 'Opportunity Owner', 'Account Name', 'Stage', 'Close Date', 'Amount', 'Probability (%)']);
    expect(problems).toEqual([]);
    expect(layout.index.get('owner')).toBe(2);
    expect(layout.index.get('account')).toBe(3);
    expect(layout.ignored).toEqual(['Probability (%)']);
    const missing = resolveColumns('deals', SALESFORCE_PROFILE, ['Opp ID', 'Stage', 'Account Name', 'Opportunity-Owner']);
    expect(missing.problems.map((p) => p.code)).toEqual(['FILE.MISSING_COLUMN', 'FILE.MISSING_COLUMN']);
    expect(missing.problems[1]!.message).toBe('the owner column ("Owner Email" or "Opportunity Owner: Email" or "Opportunity Owner") is missing; did you mean `Opportunity-Owner`?');
  });

  it('a customer profile extends a shipped one; its value mappings add to the parent\'s', () => {
    const child = mergeProfiles(SALESFORCE_PROFILE, { key: 'acme', name: 'Acme SF', kind: 'deals', values: { product: { 'Edge-Plus': 'EDGE-PLUS' } }, stages: { 'Verbal Commit': 'open' } });
    expect(child.columns?.external_id).toBe('Opportunity ID');
    expect(child.stages).toMatchObject({ 'Closed Won': 'won', 'Verbal Commit': 'open' });
    expect(child.values?.product).toEqual({ 'Edge-Plus': 'EDGE-PLUS' });
    expect(validateProfile(child)).toEqual([]);
    expect(validateProfile({ key: 'X', name: '', kind: 'deals', columns: { nope: 'A' }, stages: { Won: 'done' as never } }).map((p) => p.field)).toEqual(['key', 'name', 'columns.nope', 'stages.Won']);
    // Wrong types are refused, not stored as "no mapping"; an extends that is no key, a mapping to nothing, too.
    const wrong = { key: 'mine', name: 'Mine', kind: 'deals', description: 7, extends: '', columns: 12, values: { product: { A: '' } } } as never;
    expect(validateProfile(wrong).map((p) => p.field)).toEqual(['description', 'extends', 'columns']);
    expect(validateProfile({ key: 'mine', name: 'Mine', kind: 'deals', values: { product: { A: '' } } }).map((p) => p.field)).toEqual(['values.product']);
  });
});
