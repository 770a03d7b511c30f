// The profiles Quotaflow ships. `quotaflow` (every kind) reads the field names as column headers;
// `salesforce` and `hubspot` read those vendors' standard deal exports (docs/imports.md).
import type { ImportKind, ImportProfile } from './profile';

/** Salesforce "Opportunities" / "Opportunities with Products" report, exported as CSV (Details Only, en_US). */
export const SALESFORCE_PROFILE: ImportProfile = {
  key: 'salesforce',
  name: 'Salesforce opportunity report',
  kind: 'deals',
  description: 'A Salesforce opportunity report exported as CSV ("Details Only"), dates as M/D/YYYY (English (United States) locale).',
  columns: {
    external_id: 'Opportunity ID',
    name: 'Opportunity Name',
    owner: ['Owner Email', 'Opportunity Owner: Email', 'Opportunity Owner'],
    account: ['Account ID', 'Account Name'],
    product: ['Product Code', 'Product Name'],
    stage: 'Stage',
    type: 'Type',
    created_date: 'Created Date',
    close_date: 'Close Date',
    amount: 'Amount',
    currency: ['Opportunity Currency', 'Amount Currency'],
    credits: ['Credits', 'Credit Split'],
    reverses: ['Reverses', 'Reverses Opportunity ID'],
  },
  stages: { 'Closed Won': 'won', 'Closed Lost': 'lost' },
  otherStages: 'open',
  types: {
    'New Customer': 'new',
    'New Business': 'new',
    'Existing Customer - Upgrade': 'expansion',
    'Existing Customer - Replacement': 'renewal',
    'Existing Customer - Downgrade': 'renewal',
    Renewal: 'renewal',
  },
  defaultType: 'new',
  dateFormat: 'M/D/YYYY',
};

/** HubSpot "Deals" export (All deals → Export, CSV), default sales pipeline. */
export const HUBSPOT_PROFILE: ImportProfile = {
  key: 'hubspot',
  name: 'HubSpot deals export',
  kind: 'deals',
  description: 'A HubSpot deals export (CSV) of the default sales pipeline; dates as YYYY-MM-DD with an optional time.',
  columns: {
    external_id: 'Record ID',
    name: 'Deal Name',
    owner: ['Deal owner email', 'Deal owner', 'Deal Owner'],
    account: ['Associated Company IDs (Primary)', 'Associated Company (Primary)', 'Associated Company'],
    product: ['Product', 'Product Code'],
    stage: 'Deal Stage',
    type: 'Deal Type',
    created_date: 'Create Date',
    close_date: 'Close Date',
    amount: 'Amount',
    currency: 'Currency',
    credits: 'Credits',
    reverses: 'Reverses',
  },
  stages: { 'Closed Won': 'won', 'Closed Lost': 'lost' },
  otherStages: 'open',
  types: { 'New Business': 'new', 'Existing Business': 'expansion', newbusiness: 'new', existingbusiness: 'expansion', Renewal: 'renewal' },
  defaultType: 'new',
  dateFormat: 'YYYY-MM-DD',
};

export const BUILTIN_PROFILE_KEYS = ['quotaflow', 'salesforce', 'hubspot'] as const;

/** The built-in profile of that key for that kind, or undefined. `quotaflow` exists for every kind. */
export function builtinProfile(key: string, kind: ImportKind): ImportProfile | undefined {
  if (key === 'quotaflow') {
    return {
      key: 'quotaflow', name: `Quotaflow ${kind} file`, kind,
      description: 'Column headers are the field names.',
      ...(kind === 'deals' ? { stages: { won: 'won', lost: 'lost', open: 'open' }, otherStages: null, defaultType: 'new' } : {}),
      dateFormat: 'YYYY-MM-DD',
    };
  }
  if (kind === 'deals' && key === 'salesforce') return SALESFORCE_PROFILE;
  if (kind === 'deals' && key === 'hubspot') return HUBSPOT_PROFILE;
  return undefined;
}
