import type { PersonRole, PlanDocument } from '@quotaflow/persistence';
import { demoId } from './stable-id';

export const DEMO_EMAIL_DOMAIN = 'demo.quotaflow.local';

export interface DemoTeam { key: string; id: string; name: string; managerKey: string }
export interface DemoPerson {
  key: string;
  id: string;
  name: string;
  email: string;
  roles: PersonRole[];
  title: string;
  teamKey?: string;
  /** Reps only: default annual quota offered when the plan is published (decimal string). */
  annualQuota?: string;
}

const team = (key: string, name: string, managerKey: string): DemoTeam => ({ key, id: demoId('team', key), name, managerKey });

export const DEMO_TEAMS: readonly DemoTeam[] = [
  team('enterprise-west', 'Enterprise West', 'olivia.bennett'),
  team('enterprise-east', 'Enterprise East', 'james.whitaker'),
  team('mid-market', 'Mid-Market', 'camila.torres'),
];

function person(name: string, roles: PersonRole[], title: string, teamKey?: string, annualQuota?: string): DemoPerson {
  const key = name.toLowerCase().replace(/[^a-z ]/g, '').replace(/ +/g, '.');
  return {
    key, id: demoId('person', key), name, email: `${key}@${DEMO_EMAIL_DOMAIN}`, roles, title,
    ...(teamKey ? { teamKey } : {}), ...(annualQuota ? { annualQuota } : {}),
  };
}

export const DEMO_PEOPLE: readonly DemoPerson[] = [
  person('Alex Morgan', ['admin'], 'Revenue Systems Administrator'),
  person('Priya Patel', ['ops'], 'Sales Operations Lead'),
  person('Marcus Chen', ['ops'], 'Compensation Analyst'),
  person('Sofia Rossi', ['finance'], 'Financial Controller'),
  person('Daniel Okafor', ['finance'], 'Commission Accountant'),
  person('Hannah Fischer', ['auditor'], 'Internal Auditor'),
  person('Olivia Bennett', ['manager'], 'Regional Director, Enterprise West', 'enterprise-west'),
  person('James Whitaker', ['manager'], 'Regional Director, Enterprise East', 'enterprise-east'),
  person('Camila Torres', ['manager'], 'Head of Mid-Market Sales', 'mid-market'),
  person('Liam Carter', ['rep'], 'Senior Account Executive', 'enterprise-west', '1400000.00'),
  person('Emma Nguyen', ['rep'], 'Account Executive', 'enterprise-west', '1200000.00'),
  person('Noah Schmidt', ['rep'], 'Account Executive', 'enterprise-west', '1200000.00'),
  person('Ava Johnson', ['rep'], 'Account Executive', 'enterprise-west', '1000000.00'),
  person('Ethan Brooks', ['rep'], 'Senior Account Executive', 'enterprise-east', '1400000.00'),
  person('Mia Kowalski', ['rep'], 'Account Executive', 'enterprise-east', '1200000.00'),
  person('Lucas Dubois', ['rep'], 'Account Executive', 'enterprise-east', '1100000.00'),
  person('Zoe Adeyemi', ['rep'], 'Account Executive', 'enterprise-east', '1000000.00'),
  person("Ryan O'Connor", ['rep'], 'Account Executive, Mid-Market', 'mid-market', '650000.00'),
  person('Grace Kim', ['rep'], 'Account Executive, Mid-Market', 'mid-market', '600000.00'),
  person('Omar Haddad', ['rep'], 'Account Executive, Mid-Market', 'mid-market', '550000.00'),
];

export const DEMO_PLAN = {
  id: demoId('plan', 'ae-2026'),
  key: 'ae-2026',
  name: 'Account Executive 2026',
  createdByKey: 'priya.patel',
  version: {
    id: demoId('plan-version', 'ae-2026:1'),
    version: 1,
    periodLabel: 'FY2026',
    effectiveFrom: '2026-01-01',
  },
} as const;

/**
 * The AE plan in the plan language (the calculation contract, spec/plan-language.md of the shared product docs):
 * - new business and expansion pay graduated (step) rates on year-to-date attainment of the
 *   annual quota, with an accelerator above 100 % and a second one above 150 %;
 * - renewals pay a flat 2 % of the period's renewal bookings;
 * - a kicker bonus of 10 % of the month's commission;
 * - a recoverable $4,000 monthly draw for Q1, recovered at 50 % of any excess from April.
 */
export const AE_2026_DOCUMENT: PlanDocument = {
  id: 'ae-2026',
  components: [
    {
      id: 'new-business',
      kind: 'commission',
      types: ['new', 'expansion'],
      window: 'run',
      basis: 'attainment',
      table: {
        split: 'step',
        tiers: [
          { from: 0, rate: 0.06 },
          { from: 0.5, rate: 0.08 },
          { from: 1.0, rate: 0.12 },
          { from: 1.5, rate: 0.15 },
        ],
      },
    },
    {
      id: 'renewals',
      kind: 'commission',
      types: ['renewal'],
      window: 'period',
      basis: 'amount',
      table: { split: 'step', tiers: [{ from: 0, rate: 0.02 }] },
    },
    { id: 'kicker', kind: 'bonus', of: 'new-business', rate: 0.1 },
  ],
  draw: {
    type: 'recoverable',
    amount: 4000,
    periods: ['2026-01', '2026-02', '2026-03'],
    recoverFrom: '2026-04',
    recoveryRate: 0.5,
  },
  clawbackReducesAttainment: false,
};
