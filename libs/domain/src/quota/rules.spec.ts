import { DomainError } from '../errors';
import { applyManagerAdjustment, reviewQuotaSet, validateQuotaSet } from './rules';
import type { QuotaSet } from './types';

/** FY2026: company target 1,000,000; team A 600,000 over two reps, team B 400,000 over one. */
function fy2026(): QuotaSet {
  return {
    periodLabel: 'FY2026',
    companyTarget: '1000000.00',
    teams: [
      { teamId: 'A', target: '600000.00' },
      { teamId: 'B', target: '400000.00' },
    ],
    quotas: [
      { personId: 'repA1', teamId: 'A', amount: '350000.00' },
      { personId: 'repA2', teamId: 'A', amount: '250000.00' },
      { personId: 'repB1', teamId: 'B', amount: '380000.00' },
    ],
  };
}

function domainError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

describe('quota rules', () => {
  it('checks team sums against team targets and the company total against its target', () => {
    const review = reviewQuotaSet(fy2026(), { maxChangePercent: '20' });
    expect(review.teams).toEqual([
      { teamId: 'A', target: '600000.00', total: '600000.00', difference: '0.00', status: 'matched' },
      { teamId: 'B', target: '400000.00', total: '380000.00', difference: '-20000.00', status: 'under' },
    ]);
    expect([review.companyTotal, review.teamTargetsTotal, review.shortfall, review.shortfallFlag]).toEqual([
      '980000.00',
      '1000000.00',
      '20000.00',
      true,
    ]);
  });

  it('no shortfall when the reps cover the company target (over-assignment is shown as over)', () => {
    const set = fy2026();
    set.quotas[2] = { ...set.quotas[2], amount: '450000.00' };
    const review = reviewQuotaSet(set, { maxChangePercent: '20' });
    expect([review.teams[1].status, review.teams[1].difference, review.shortfall, review.shortfallFlag]).toEqual(['over', '50000.00', '0.00', false]);
  });

  it.each([
    ['exactly the limit is not flagged', '291666.67', '350000.00', '20', false, '20.00'],
    ['just above the limit is flagged', '291666.66', '350000.00', '20', true, '20.00'],
    ['a cut beyond the limit is flagged', '500000.00', '350000.00', '20', true, '-30.00'],
    ['a small change is not flagged', '340000.00', '350000.00', '5', false, '2.94'],
    ['from zero anything is flagged', '0.00', '350000.00', '20', true, undefined],
  ])('rep change vs last period: %s', (_name, previous, current, percent, flagged, changePercent) => {
    const set = fy2026();
    const review = reviewQuotaSet(set, { maxChangePercent: percent, previous: [{ personId: 'repA1', amount: previous }] });
    const change = review.repChanges.find((c) => c.personId === 'repA1');
    expect([change?.current, change?.flagged, change?.changePercent]).toEqual([current, flagged, changePercent]);
  });

  it('a rep new this period has no previous quota and is not flagged', () => {
    const review = reviewQuotaSet(fy2026(), { maxChangePercent: '10', previous: [] });
    expect(review.repChanges[0]).toEqual({ personId: 'repA1', current: '350000.00', flagged: false });
  });

  it('a manager may move quota between reps when the team total stays the same', () => {
    const adjusted = applyManagerAdjustment(fy2026(), {
      teamId: 'A',
      managerId: 'mgrA',
      changes: [
        { personId: 'repA1', amount: '325000.50' },
        { personId: 'repA2', amount: '274999.50' },
      ],
    });
    expect(adjusted.quotas.map((q) => q.amount)).toEqual(['325000.50', '274999.50', '380000.00']);
  });

  it.each([
    ['a change that moves the team total', { teamId: 'A', managerId: 'mgrA', changes: [{ personId: 'repA1', amount: '350000.01' }] }, 'QUOTA.TEAM_TOTAL_CHANGED', 'changes'],
    ['a rep of another team', { teamId: 'A', managerId: 'mgrA', changes: [{ personId: 'repB1', amount: '1' }] }, 'QUOTA.NOT_IN_TEAM', 'changes[0].personId'],
    ['the manager changing their own quota', { teamId: 'A', managerId: 'repA2', changes: [{ personId: 'repA2', amount: '1' }] }, 'AUTH.SELF_DECISION', 'changes[0].personId'],
    ['a negative quota', { teamId: 'A', managerId: 'mgrA', changes: [{ personId: 'repA1', amount: '-1' }] }, 'VALIDATION.FAILED', 'changes[0].amount'],
    ['a float-looking amount', { teamId: 'A', managerId: 'mgrA', changes: [{ personId: 'repA1', amount: '3.5e5' }] }, 'VALIDATION.FAILED', 'changes[0].amount'],
    ['an unknown team', { teamId: 'Z', managerId: 'mgrA', changes: [] }, 'VALIDATION.FAILED', 'teamId'],
  ])('a manager adjustment is refused: %s', (_name, adjustment, code, field) => {
    const error = domainError(() => applyManagerAdjustment(fy2026(), adjustment));
    expect([error.code, (error.details as { field: string }).field]).toEqual([code, field]);
  });

  it('reports the totals when a team total would change', () => {
    const error = domainError(() =>
      applyManagerAdjustment(fy2026(), { teamId: 'A', managerId: 'mgrA', changes: [{ personId: 'repA2', amount: '200000' }] }),
    );
    expect(error.details).toMatchObject({ teamId: 'A', before: '600000.00', after: '550000.00' });
  });

  it.each([
    ['a company target that is not a decimal', (s: QuotaSet) => ({ ...s, companyTarget: '1M' }), 'companyTarget'],
    ['a team listed twice', (s: QuotaSet) => ({ ...s, teams: [...s.teams, s.teams[0]] }), 'teams[2].teamId'],
    ['two quotas for one rep', (s: QuotaSet) => ({ ...s, quotas: [...s.quotas, s.quotas[0]] }), 'quotas[3].personId'],
    ['a quota in a team without target', (s: QuotaSet) => ({ ...s, quotas: [{ personId: 'x', teamId: 'Q', amount: '1' }] }), 'quotas[0].teamId'],
    ['no period', (s: QuotaSet) => ({ ...s, periodLabel: '' }), 'periodLabel'],
  ])('a malformed set is refused with the field: %s', (_name, mutate, field) => {
    const error = domainError(() => validateQuotaSet(mutate(fy2026())));
    expect([error.code, (error.details as { field: string }).field]).toEqual(['VALIDATION.FAILED', field]);
  });
});
