// Demo sales territory: a small tree over the three demo teams, 30 accounts, ~210 deals over the
// trailing year plus open pipeline. Generated from fixed keys, so every run yields the same rows
// (dates are relative to the run's day, so "the last 12 months" stays true for a demo).
import { createHash } from 'node:crypto';
import { DEMO_PEOPLE } from './demo-organisation';
import { demoId } from './stable-id';

export interface DemoTerritory { key: string; id: string; name: string; parentKey?: string; teamKey?: string; ownerKey?: string }
export interface DemoAccount { key: string; id: string; name: string; territoryKey: string }
export interface DemoDeal { id: string; accountKey: string; name: string; amount: string; stage: 'won' | 'open' | 'lost'; daysFromToday: number }

const territory = (key: string, name: string, parentKey?: string, teamKey?: string, ownerKey?: string): DemoTerritory => ({
  key, id: demoId('territory', key), name, ...(parentKey ? { parentKey } : {}), ...(teamKey ? { teamKey } : {}), ...(ownerKey ? { ownerKey } : {}),
});

/** Team nodes have no owner (their manager runs them); leaves are owned by one rep each. */
export const DEMO_TERRITORIES: readonly DemoTerritory[] = [
  territory('north-america', 'North America'),
  territory('enterprise-west', 'Enterprise West', 'north-america', 'enterprise-west'),
  territory('pacific-northwest', 'Pacific Northwest', 'enterprise-west', 'enterprise-west', 'liam.carter'),
  territory('northern-california', 'Northern California', 'enterprise-west', 'enterprise-west', 'emma.nguyen'),
  territory('southern-california', 'Southern California', 'enterprise-west', 'enterprise-west', 'noah.schmidt'),
  territory('mountain', 'Mountain States', 'enterprise-west', 'enterprise-west', 'ava.johnson'),
  territory('enterprise-east', 'Enterprise East', 'north-america', 'enterprise-east'),
  territory('new-england', 'New England', 'enterprise-east', 'enterprise-east', 'ethan.brooks'),
  territory('new-york', 'New York Metro', 'enterprise-east', 'enterprise-east', 'mia.kowalski'),
  territory('mid-atlantic', 'Mid-Atlantic', 'enterprise-east', 'enterprise-east', 'lucas.dubois'),
  territory('southeast', 'Southeast', 'enterprise-east', 'enterprise-east', 'zoe.adeyemi'),
  territory('mid-market', 'Mid-Market North America', 'north-america', 'mid-market'),
  territory('mm-central', 'Mid-Market Central', 'mid-market', 'mid-market', 'ryan.oconnor'),
  territory('mm-south', 'Mid-Market South', 'mid-market', 'mid-market', 'grace.kim'),
  territory('mm-west', 'Mid-Market West', 'mid-market', 'mid-market', 'omar.haddad'),
];

const ACCOUNT_NAMES: Record<string, string[]> = {
  'pacific-northwest': ['Cascade Outfitters', 'Rainier Logistics', 'Puget Sound Health'],
  'northern-california': ['Golden Gate Analytics', 'Redwood Software', 'Bayview Biotech'],
  'southern-california': ['Pacific Coast Media', 'Sunset Aerospace', 'Harbor Freight Lines'],
  mountain: ['Summit Energy', 'Front Range Foods', 'Wasatch Outdoor'],
  'new-england': ['Beacon Hill Capital', 'Granite State Insurance', 'Cape Cod Marine'],
  'new-york': ['Hudson Financial', 'Empire Retail Group', 'Brooklyn Robotics'],
  'mid-atlantic': ['Chesapeake Shipping', 'Liberty Pharma', 'Potomac Defense'],
  southeast: ['Peachtree Telecom', 'Everglades Resorts'],
  'mm-central': ['Prairie Ag Supply', 'Lakeshore Clinics', 'Ozark Manufacturing'],
  'mm-south': ['Lone Star Builders', 'Bayou Seafood'],
  'mm-west': ['Desert Bloom Solar', 'Mesa Auto Group'],
};

export const DEMO_ACCOUNTS: readonly DemoAccount[] = Object.entries(ACCOUNT_NAMES).flatMap(([territoryKey, names]) =>
  names.map((name) => {
    const key = name.toLowerCase().replace(/[^a-z ]/g, '').replace(/ +/g, '-');
    return { key, id: demoId('account', key), name, territoryKey };
  }),
);

/** A number in [0, 1) from a key: the same key always gives the same number. */
function unit(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32;
}

function cents(amount: number): string {
  return (Math.round(amount) / 100).toFixed(2);
}

/** Seven deals per account: about 70 % won in the last 360 days, 20 % open in the next 120, 10 % lost. */
export const DEMO_DEALS: readonly DemoDeal[] = DEMO_ACCOUNTS.flatMap((account) => {
  const midMarket = account.territoryKey.startsWith('mm-');
  return Array.from({ length: 7 }, (_, i): DemoDeal => {
    const key = `${account.key}:${i}`;
    const roll = unit(`stage:${key}`);
    const stage = roll < 0.7 ? 'won' : roll < 0.9 ? 'open' : 'lost';
    const size = midMarket ? 200_000 + unit(`amount:${key}`) * 3_800_000 : 500_000 + unit(`amount:${key}`) * 11_500_000; // cents
    const days = stage === 'open' ? 5 + Math.floor(unit(`date:${key}`) * 115) : -(1 + Math.floor(unit(`date:${key}`) * 359));
    return { id: demoId('deal', key), accountKey: account.key, name: `${account.name} — ${stage === 'open' ? 'opportunity' : 'order'} ${i + 1}`, amount: cents(size), stage, daysFromToday: days };
  });
});

export const demoPersonId = (key: string): string => {
  const person = DEMO_PEOPLE.find((p) => p.key === key);
  if (!person) throw new Error(`demo data: unknown person ${key}`);
  return person.id;
};
