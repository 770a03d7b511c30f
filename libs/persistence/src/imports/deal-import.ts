// Deals: rows are validated as they stream and COPYed into a temporary staging table; checks
// across rows (a repeated external id, what a cancellation points at, the currency) run in SQL;
// then two set-based upserts write them. Unchanged deals are not touched (no revision).
import type { DealRow } from '@quotaflow/domain';
import type { PoolClient } from 'pg';
import type { EntityManager } from 'typeorm';
import { CopyWriter } from './copy-writer';
import type { ImportIssue } from './import-types';

export const DEAL_STAGING_TABLE = 'import_deal_rows';

export async function createDealStaging(m: EntityManager): Promise<void> {
  await m.query(`
    CREATE TEMP TABLE ${DEAL_STAGING_TABLE} (
      line integer NOT NULL,
      external_id text NOT NULL,
      name text NOT NULL,
      owner_person_id uuid NOT NULL,
      account_id uuid NOT NULL,
      product_id uuid,
      stage text NOT NULL,
      type text NOT NULL,
      created_date date,
      close_date date,
      amount numeric(18,2),
      currency text NOT NULL,
      credits jsonb,
      reverses_external_id text
    ) ON COMMIT DROP`);
}

export function openDealCopy(client: PoolClient): CopyWriter {
  return new CopyWriter(client, `COPY ${DEAL_STAGING_TABLE} (line, external_id, name, owner_person_id, account_id, product_id, stage, type, created_date, close_date, amount, currency, credits, reverses_external_id) FROM STDIN`);
}

export function dealFields(d: DealRow): Array<string | null> {
  return [
    String(d.line), d.externalId, d.name, d.ownerId, d.accountId, d.productId, d.stage, d.type, d.createdDate, d.closeDate, d.amount, d.currency,
    d.credits ? JSON.stringify(d.credits) : null, d.reversesExternalId,
  ];
}

const issue = (line: number, field: string | null, column: string | null, value: string | null, code: string, message: string): ImportIssue =>
  ({ line, column, field, value, code, message, severity: 'error' });

export interface CrossRowResult {
  issues: ImportIssue[];
}

/**
 * Checks that need the whole file: an external id on several lines (all of them are bad: which one
 * is right is not ours to guess), and cancellations (`reverses`) pointing at an unknown deal, at a
 * deal not won, at another cancellation, or taking back more than the deal was worth. Bad rows
 * leave the staging table; their issues are returned.
 */
export async function crossRowChecks(m: EntityManager, columns: { externalId: string | null; reverses: string | null }): Promise<CrossRowResult> {
  await m.query(`ANALYZE ${DEAL_STAGING_TABLE}`);
  const issues: ImportIssue[] = [];
  const duplicates = (await m.query(`
    SELECT external_id, array_agg(line ORDER BY line) AS lines FROM ${DEAL_STAGING_TABLE}
    GROUP BY external_id HAVING count(*) > 1`)) as Array<{ external_id: string; lines: number[] }>;
  const bad: number[] = [];
  for (const d of duplicates) {
    for (const line of d.lines) {
      bad.push(line);
      issues.push(issue(line, 'external_id', columns.externalId, d.external_id, 'ROW.DUPLICATE_KEY', `external_id \`${d.external_id}\` is on lines ${d.lines.join(', ')} of this file (each deal once per file)`));
    }
  }
  if (bad.length > 0) await m.query(`DELETE FROM ${DEAL_STAGING_TABLE} WHERE line = ANY($1::int[])`, [bad]);

  const reversals = (await m.query(`SELECT count(*)::int AS n FROM ${DEAL_STAGING_TABLE} WHERE reverses_external_id IS NOT NULL`)) as Array<{ n: number }>;
  if (reversals[0]!.n > 0) {
    await m.query(`CREATE INDEX ON ${DEAL_STAGING_TABLE} (external_id)`);
    const wrong = (await m.query(`
      SELECT s.line, s.reverses_external_id AS value,
        CASE
          WHEN t.line IS NULL AND d.id IS NULL THEN 'REVERSES.UNKNOWN'
          WHEN COALESCE(t.reverses_external_id IS NOT NULL, d.reverses_deal_id IS NOT NULL) THEN 'REVERSES.REVERSAL'
          WHEN COALESCE(t.stage, d.stage) <> 'won' THEN 'REVERSES.NOT_WON'
          WHEN s.amount IS NOT NULL AND s.amount > COALESCE(t.amount, d.amount) THEN 'REVERSES.TOO_MUCH'
        END AS code,
        COALESCE(t.stage, d.stage) AS target_stage, COALESCE(t.amount, d.amount)::text AS target_amount, s.amount::text AS amount
      FROM ${DEAL_STAGING_TABLE} s
      LEFT JOIN ${DEAL_STAGING_TABLE} t ON t.external_id = s.reverses_external_id
      LEFT JOIN deals d ON d.external_id = s.reverses_external_id AND t.line IS NULL
      WHERE s.reverses_external_id IS NOT NULL`)) as Array<{ line: number; value: string; code: string | null; target_stage: string | null; target_amount: string | null; amount: string | null }>;
    const badReversals: number[] = [];
    for (const w of wrong) {
      if (!w.code) continue;
      badReversals.push(w.line);
      const message = w.code === 'REVERSES.UNKNOWN' ? `reverses \`${w.value}\`, which is neither a known deal nor in this file`
        : w.code === 'REVERSES.REVERSAL' ? `reverses \`${w.value}\`, which is itself a cancellation`
          : w.code === 'REVERSES.NOT_WON' ? `reverses \`${w.value}\`, which is ${w.target_stage}, not won (only a won deal can be cancelled)`
            : `takes back ${w.amount}, more than \`${w.value}\` was worth (${w.target_amount})`;
      issues.push(issue(w.line, 'reverses', columns.reverses, w.value, w.code, message));
    }
    if (badReversals.length > 0) await m.query(`DELETE FROM ${DEAL_STAGING_TABLE} WHERE line = ANY($1::int[])`, [badReversals]);
  }
  return { issues };
}

const SET_COLUMNS = ['account_id', 'owner_person_id', 'product_id', 'name', 'type', 'stage', 'created_date', 'close_date', 'close_date_missing', 'amount', 'amount_missing', 'currency', 'credits', 'reverses_deal_id'];
const INSERT_COLUMNS = ['external_id', ...SET_COLUMNS, 'import_id'];

/**
 * Staged rows that name an existing deal update it when a business column differs (the trigger
 * then writes the revision); the others are inserted. Imports of deals run one at a time (an
 * advisory lock), so no other import inserts the same external id in between; the unique key
 * still guards it.
 */
async function write(m: EntityManager, select: string, params: unknown[]): Promise<{ created: number; updated: number }> {
  const updated = (await m.query(`
    WITH src AS (${select}),
    changed AS (
      UPDATE deals d SET ${[...SET_COLUMNS, 'import_id'].map((c) => `${c} = src.${c}`).join(', ')}
      FROM src WHERE d.external_id = src.external_id
        AND (${SET_COLUMNS.map((c) => `d.${c}`).join(', ')}) IS DISTINCT FROM (${SET_COLUMNS.map((c) => `src.${c}`).join(', ')})
      RETURNING 1
    )
    SELECT count(*)::int AS n FROM changed`, params)) as Array<{ n: number }>;
  const created = (await m.query(`
    WITH src AS (${select}),
    added AS (
      INSERT INTO deals (${INSERT_COLUMNS.join(', ')})
      SELECT ${INSERT_COLUMNS.join(', ')} FROM src WHERE NOT EXISTS (SELECT 1 FROM deals d WHERE d.external_id = src.external_id)
      RETURNING 1
    )
    SELECT count(*)::int AS n FROM added`, params)) as Array<{ n: number }>;
  return { created: created[0]!.n, updated: updated[0]!.n };
}

/** An open deal without a close date keeps the placeholder it has (so re-importing changes nothing). */
const closeDate = `COALESCE(s.close_date, s.created_date, (SELECT x.close_date FROM deals x WHERE x.external_id = s.external_id AND x.close_date_missing), $2::date)`;

/**
 * Writes the staged deals: first the deals, then the cancellations (whose targets now exist).
 * Answers how many were created and updated; the rest of the staged rows were unchanged.
 */
export async function mergeDeals(m: EntityManager, importId: string | null, today: string): Promise<{ created: number; updated: number; staged: number }> {
  const staged = ((await m.query(`SELECT count(*)::int AS n FROM ${DEAL_STAGING_TABLE}`)) as Array<{ n: number }>)[0]!.n;
  const columns = (amount: string, amountMissing: string, reverses: string) => `
      SELECT s.external_id, s.account_id, s.owner_person_id, s.product_id, s.name, s.type, s.stage, s.created_date,
        ${closeDate} AS close_date, s.close_date IS NULL AS close_date_missing, ${amount} AS amount, ${amountMissing} AS amount_missing,
        s.currency, s.credits, ${reverses} AS reverses_deal_id, $1::uuid AS import_id`;
  const first = await write(m, `${columns('COALESCE(s.amount, 0)', 's.amount IS NULL', 'NULL::uuid')}
      FROM ${DEAL_STAGING_TABLE} s WHERE s.reverses_external_id IS NULL`, [importId, today]);
  const second = await write(m, `${columns('-COALESCE(s.amount, r.amount)', 'false', 'r.id')}
      FROM ${DEAL_STAGING_TABLE} s JOIN deals r ON r.external_id = s.reverses_external_id WHERE s.reverses_external_id IS NOT NULL`, [importId, today]);
  return { created: first.created + second.created, updated: first.updated + second.updated, staged };
}
