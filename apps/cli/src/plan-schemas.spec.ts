/**
 * The JSON Schemas in docs/schemas stay in step with the engine: the input schema
 * admits exactly the keys the engine knows, object by object, and every key of a real
 * output (every kind of line) is documented by the output schema.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { KNOWN_KEYS, calculate } from '@quotaflow/domain/plan-language';

const ROOT = resolve(__dirname, '..', '..', '..');
type Schema = { properties?: Record<string, Schema>; additionalProperties?: unknown; $defs?: Record<string, Schema>; $ref?: string; items?: Schema };
const input = JSON.parse(readFileSync(resolve(ROOT, 'docs/schemas/plan-input.schema.json'), 'utf8')) as Schema;
const output = JSON.parse(readFileSync(resolve(ROOT, 'docs/schemas/plan-output.schema.json'), 'utf8')) as Schema;

const inputObjects: Record<keyof typeof KNOWN_KEYS, Schema> = {
  document: input,
  period: input.$defs!.period,
  plan: input.$defs!.plan,
  component: input.$defs!.component,
  table: input.$defs!.table,
  multiplier: input.$defs!.multiplier,
  tier: input.$defs!.tier,
  threshold: input.$defs!.component.properties!.threshold,
  draw: input.$defs!.draw,
  participant: input.$defs!.participant,
  state: input.$defs!.state,
  transaction: input.$defs!.transaction,
  credit: input.$defs!.credit,
  adjustment: input.$defs!.adjustment,
};

describe('docs/schemas', () => {
  it.each(Object.keys(KNOWN_KEYS) as (keyof typeof KNOWN_KEYS)[])('the input schema\'s %s has exactly the keys the engine knows, and no others', (kind) => {
    const schema = inputObjects[kind];
    expect(Object.keys(schema.properties ?? {}).sort()).toEqual([...KNOWN_KEYS[kind]].sort());
    expect(schema.additionalProperties).toBe(false);
  });

  it('documents every key of an output with every kind of line', () => {
    const out = calculate({
      currency: 'USD',
      periods: [{ id: '2026-01', start: '2026-01-01', end: '2026-01-31' }, { id: '2026-02', start: '2026-02-01', end: '2026-02-28' }],
      plans: [{
        id: 'p',
        components: [
          { id: 'c', basis: 'attainment', window: 'run', table: { tiers: [{ from: 0, rate: 0.05 }, { from: 1, rate: 0.1 }] }, multiplier: { tiers: [{ from: 0, rate: 1 }] } },
          { id: 'f', table: { split: 'flat', tiers: [{ from: 0, rate: 0.1 }] }, cap: 100, threshold: { amount: 10, carryDeficit: true } },
          { id: 'fee', deduction: true, table: { tiers: [{ from: 0, rate: -0.01 }] } },
          { id: 'k', of: 'c', rate: 0.1 },
        ],
        draw: { type: 'recoverable', amount: 5000, periods: ['2026-01'] },
      }],
      participants: [{ id: 'ann', planId: 'p', quota: { default: 10000 }, state: { credited: { c: 100 }, paid: { c: 1 } } }],
      transactions: [
        { id: 'T1', date: '2026-01-05', amount: 12000, credits: [{ participantId: 'ann', share: 1 }] },
        { id: 'T2', date: '2026-02-05', amount: 1000, credits: [{ participantId: 'ann', share: 1 }] },
        { id: 'T1X', date: '2026-02-06', amount: -6000, reverses: 'T1' },
      ],
      adjustments: [{ participantId: 'ann', periodId: '2026-02', amount: 5, reason: 'r' }],
    });
    const defs = output.$defs!;
    const undocumented: string[] = [];
    const check = (value: object, schema: Schema, where: string): void => {
      for (const key of Object.keys(value)) if (!(key in (schema.properties ?? {}))) undocumented.push(`${where}.${key}`);
    };
    check(out, output, '$');
    const sources = new Set<string>();
    for (const period of out.periods) {
      for (const p of period.participants) {
        check(p, defs.participantPeriod, 'participantPeriod');
        for (const line of p.lines) {
          check(line, defs.line, 'line');
          sources.add(line.source);
        }
        for (const c of p.components) {
          check(c, defs.component, 'component');
          for (const line of c.lines) {
            check(line, defs.line, `line(${line.source})`);
            sources.add(line.source);
            for (const s of line.slices ?? []) check(s, defs.slice, 'slice');
          }
        }
      }
    }
    for (const state of Object.values(out.state)) check(state, defs.state, 'state');
    expect(undocumented).toEqual([]);
    expect([...sources].sort()).toEqual(['adjustment', 'bonus', 'cap', 'clawback', 'draw', 'transaction', 'true-up']);
  });
});
