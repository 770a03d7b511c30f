/**
 * The payout engine: one participant at a time, period by period, component by
 * component (spec §3–§6). Pure and deterministic; the same inputs give the same
 * cents whether the whole document or a batch of participants is calculated.
 */
import type {
  CompiledAdjustment,
  CompiledComponent,
  CompiledParticipant,
  CompiledPeriod,
  CompiledPlan,
} from './compiled-plan';
import { type CreditStore, POS_POSITIVE, POS_REVERSAL, POS_REVERSED_LATER } from './credit.store';
import { POW10, divRoundHalfUp, formatCents, formatExact } from './exact-decimal';
import { explainCreditLine } from './line.explainer';
import type { ComponentOutput, LineOutput, ParticipantPeriodOutput, ParticipantStateOutput } from './plan-language.types';
import { TierTable } from './tier-table.evaluator';

const E10 = POW10[10];
const E12 = POW10[12];
const E24 = POW10[24];
/** scale 36 (line before multiplier) → cents */
const TO_CENTS_36 = POW10[34];
const HALF_36 = TO_CENTS_36 / 2n;

const E17 = POW10[17];

/**
 * Scale 36 → cents, rounded half away from zero: (n ± half) / 10^34 as two divisions
 * by 10^17, which fits one 64-bit digit (BigInt's fast path; one division by a
 * two-digit 10^34 costs more). Exact: trunc(trunc(x / a) / b) = trunc(x / ab).
 */
function centsOf36(n: bigint): bigint {
  return n >= 0n ? (n + HALF_36) / E17 / E17 : (n - HALF_36) / E17 / E17;
}

/** scale 48 (line × multiplier factor) → cents */
const TO_CENTS_48 = POW10[46];

export interface EngineOptions {
  /** 'full' (default): every line with its explanation; 'none': figures only (bulk runs) */
  lines?: 'full' | 'none';
}

export interface ParticipantJob {
  participant: CompiledParticipant;
  plan: CompiledPlan;
  /** the credit columns of the document or batch */
  store: CreditStore;
  /** this participant's slot in the store: its credits are positions start[slot] .. start[slot + 1] − 1 */
  slot: number;
  adjustments: readonly CompiledAdjustment[];
}

export interface ParticipantOutcome {
  participantId: string;
  periods: ParticipantPeriodOutput[];
  state: ParticipantStateOutput;
}

/** A credit line while the period is open: exact value n/d at scale 36. */
interface RawLine {
  kind: 'credit' | 'true-up' | 'clawback' | 'cap';
  /** credit row in the store, −1 for none */
  row: number;
  n: bigint;
  d: bigint;
  /** running totals (scale 24) before/after, or the credit for window transaction */
  a: bigint;
  b: bigint;
  cents: bigint;
  fraction?: { n: bigint; d: bigint; original: bigint };
}

interface ComponentCarry {
  runTotal: bigint;
  /** what the table has paid for runTotal (scale 36), null = take f(runTotal) */
  paidN: bigint | null;
  paidD: bigint;
  deficit: bigint;
  /** cents paid per transaction key, for clawbacks */
  paidByTx: Map<number, bigint>;
}

function quotaFor(p: CompiledParticipant, periodId: string): bigint | undefined {
  return p.quota.get(periodId) ?? p.quota.get('default');
}

function recoveryActive(periods: readonly CompiledPeriod[], k: number, recoverFrom: string | null): boolean {
  if (recoverFrom === null) return true;
  const idx = periods.findIndex((p) => p.id === recoverFrom);
  // a period outside this document: compare ids, which sort in time for the usual "2026-03" style
  return idx >= 0 ? k >= idx : periods[k].id >= recoverFrom;
}

export function computeParticipant(periods: readonly CompiledPeriod[], job: ParticipantJob, options: EngineOptions = {}): ParticipantOutcome {
  const full = options.lines !== 'none';
  const { participant, plan, store, slot, adjustments } = job;
  const creditTx = store.creditTx;
  const txReverses = store.reverses;
  const txKey = store.txKey;
  const reversedLater = store.reversedLater;
  const order = store.order;
  const posPeriod = store.posPeriod;
  const posType = store.posType;
  const posProduct = store.posProduct;
  const posFlags = store.posFlags;
  const startPos = store.start[slot];
  const endPos = store.start[slot + 1];
  // amount × share once per credit, not once per component
  const values = new Array<bigint>(endPos - startPos);
  for (let i = startPos; i < endPos; i++) values[i - startPos] = store.valueAt(i);
  const comps = plan.components;
  const carries: ComponentCarry[] = comps.map((c) => {
    const paid = participant.state.paid.get(c.id);
    return {
      runTotal: (participant.state.credited.get(c.id) ?? 0n) * E12,
      paidN: paid === undefined ? null : paid * E24,
      paidD: 1n,
      deficit: (participant.state.deficit.get(c.id) ?? 0n) * E12,
      paidByTx: new Map(),
    };
  });
  let drawBalance = participant.state.drawBalance; // scale 12
  const out: ParticipantPeriodOutput[] = [];
  const amounts: bigint[] = new Array<bigint>(comps.length).fill(0n);
  let cursor = startPos;
  const tableCache = new Map<string, TierTable>();
  const tableFor = (c: CompiledComponent, which: 'table' | 'multiplier', unit: bigint): TierTable => {
    const key = `${c.index}:${which}:${unit}`;
    let t = tableCache.get(key);
    if (!t) {
      t = new TierTable((which === 'table' ? c.table : c.multiplier)!, unit);
      tableCache.set(key, t);
    }
    return t;
  };

  for (let k = 0; k < periods.length; k++) {
    const period = periods[k];
    const first = cursor;
    while (cursor < endPos && posPeriod[cursor] === k) cursor++;
    const last = cursor;
    const quota = quotaFor(participant, period.id);
    const componentOutputs: ComponentOutput[] = [];

    for (let ci = 0; ci < comps.length; ci++) {
      const c = comps[ci];
      const carry = carries[ci];
      const lines: RawLine[] = [];
      let creditCents = 0n;
      let input = 0n;
      let factorN = 1n;
      let factorD = 1n;
      let hasFactor = false;
      let thresholdUsed = 0n;
      let table: TierTable | null = null;

      if (c.of !== null) {
        // bonus "of": one line, rate × the other component's period amount
        const base = amounts[c.ofIndex];
        if (base !== 0n) {
          const cents = divRoundHalfUp((c.rate as bigint) * base, E12);
          lines.push({ kind: 'credit', row: -1, n: base, d: 1n, a: 0n, b: 0n, cents });
          creditCents += cents;
        }
      } else {
        const unit = c.basis === 'attainment' ? (quota as bigint) : E12;
        table = tableFor(c, 'table', unit);
        const windowed = c.window !== 'transaction';
        let total = c.window === 'run' ? carry.runTotal : 0n;
        const t24 = c.threshold !== null ? c.threshold.amount * E12 + (c.threshold.carryDeficit ? carry.deficit : 0n) : 0n;
        thresholdUsed = t24;
        const hasThreshold = c.threshold !== null;
        // g(x): what the table pays for running total x (threshold applied)
        const g = (x: bigint): void => table!.value(hasThreshold ? (x > t24 ? x - t24 : 0n) : x);

        if (c.window === 'run') {
          g(total);
          if (carry.paidN === null) {
            carry.paidN = table.n;
            carry.paidD = table.d;
          } else {
            const n = table.d === carry.paidD ? table.n - carry.paidN : table.n * carry.paidD - carry.paidN * table.d;
            const d = table.d === carry.paidD ? table.d : table.d * carry.paidD;
            // below half a cent is state rounding (12 places), not a difference worth a line
            if (divRoundHalfUp(n, d * TO_CENTS_36) !== 0n) lines.push({ kind: 'true-up', row: -1, n, d, a: total, b: total, cents: 0n });
          }
        }
        let gaN = 0n;
        let gaD = 1n;
        if (windowed) {
          g(total);
          gaN = table.n;
          gaD = table.d;
        }
        // figures-only runs without a multiplier round each line at once and keep no line objects
        const keepLines = full || c.multiplier !== null;
        const types = c.types !== null ? store.mask(c.types) : null;
        const products = c.products !== null ? store.mask(c.products) : null;
        for (let i = first; i < last; i++) {
          if (types !== null && types[posType[i]] === 0) continue;
          if (products !== null && products[posProduct[i]] === 0) continue;
          const flags = posFlags[i];
          const isReversal = (flags & POS_REVERSAL) !== 0;
          if (isReversal && !plan.clawbackReducesAttainment) {
            lines.push({ kind: 'clawback', row: order[i], n: 0n, d: 1n, a: 0n, b: 0n, cents: 0n });
            continue;
          }
          // a reversal that reduces attainment is a credit note of −|amount| × share
          const v = isReversal && (flags & POS_POSITIVE) !== 0 ? -values[i - startPos] : values[i - startPos];
          input += v;
          let n: bigint;
          let d: bigint;
          let a = 0n;
          if (!windowed) {
            table.value(v);
            n = table.n;
            d = table.d;
          } else {
            a = total;
            const b = total + v;
            g(b);
            if (table.d === gaD) {
              n = table.n - gaN;
              d = gaD;
            } else {
              n = table.n * gaD - gaN * table.d;
              d = table.d * gaD;
            }
            total = b;
            gaN = table.n;
            gaD = table.d;
          }
          if (keepLines) {
            lines.push({ kind: 'credit', row: order[i], n, d, a, b: windowed ? total : v, cents: 0n });
          } else {
            const cents = d === 1n ? centsOf36(n) : divRoundHalfUp(n, d * TO_CENTS_36);
            creditCents += cents;
            if ((flags & POS_REVERSED_LATER) !== 0) {
              const tx = creditTx[order[i]];
              const key = txKey === null ? tx : txKey[tx];
              carry.paidByTx.set(key, (carry.paidByTx.get(key) ?? 0n) + cents);
            }
          }
        }
        if (windowed) input = total;
        if (c.window === 'run') {
          carry.runTotal = total;
          carry.paidN = gaN;
          carry.paidD = gaD;
        }
        if (hasThreshold && c.threshold!.carryDeficit) carry.deficit = t24 > total ? t24 - total : 0n;

        if (c.multiplier !== null) {
          const mt = tableFor(c, 'multiplier', c.multiplier.basis === 'attainment' ? (quota as bigint) : E12);
          mt.rate(input > 0n ? input : 0n);
          factorN = mt.n;
          factorD = mt.d;
          hasFactor = true;
        }
        for (const line of lines) {
          if (line.kind === 'clawback') continue;
          if (hasFactor) line.cents = divRoundHalfUp(line.n * factorN, line.d * factorD * TO_CENTS_48);
          else line.cents = line.d === 1n ? centsOf36(line.n) : divRoundHalfUp(line.n, line.d * TO_CENTS_36);
          creditCents += line.cents;
          if (line.row >= 0 && reversedLater[creditTx[line.row]] === 1) {
            const key = txKey === null ? creditTx[line.row] : txKey[creditTx[line.row]];
            carry.paidByTx.set(key, (carry.paidByTx.get(key) ?? 0n) + line.cents);
          }
        }
      }

      let amount = creditCents;
      if (c.cap !== null) {
        const capCents = divRoundHalfUp(c.cap, E10);
        if (creditCents > capCents) {
          lines.push({ kind: 'cap', row: -1, n: 0n, d: 1n, a: 0n, b: 0n, cents: capCents - creditCents });
          amount = capCents;
        }
      }
      for (const line of lines) {
        if (line.kind !== 'clawback') continue;
        const tx = creditTx[line.row];
        const original = carry.paidByTx.get(txReverses[tx]);
        if (original === undefined) continue;
        const txAmount = store.amount(tx);
        const reversedAmount = store.reversedAmount.get(tx) as bigint;
        const absR = txAmount < 0n ? -txAmount : txAmount;
        const absT = reversedAmount < 0n ? -reversedAmount : reversedAmount;
        line.cents = absR === absT ? -original : divRoundHalfUp(-original * absR, absT);
        line.fraction = { n: absR, d: absT, original };
        if (reversedLater[tx] === 1) {
          const key = txKey === null ? tx : txKey[tx];
          carry.paidByTx.set(key, (carry.paidByTx.get(key) ?? 0n) + line.cents);
        }
        amount += line.cents;
      }
      amounts[ci] = amount;

      const co = { id: c.id, kind: c.kind, amount: formatCents(amount), input: formatExact(input, 1n, 24, 2, 2) } as ComponentOutput;
      if (quota !== undefined && quota > 0n && c.of === null) co.attainment = formatExact(input, quota, 12, 0, 12);
      if (hasFactor) co.multiplier = formatExact(factorN, factorD, 12, 0, 12);
      if (c.threshold !== null) co.threshold = formatExact(thresholdUsed, 1n, 24, 2, 12);
      co.lines = [];
      if (full) {
        for (const line of lines) {
          if (line.kind === 'clawback' && line.fraction === undefined) continue;
          co.lines.push(
            explainCreditLine({
              line: { ...line, credit: line.row >= 0 ? store.view(line.row) : null },
              component: c,
              table,
              quota,
              threshold: thresholdUsed,
              hasThreshold: c.threshold !== null,
              factor: hasFactor ? { n: factorN, d: factorD } : null,
              ofAmount: c.of !== null ? amounts[c.ofIndex] : 0n,
            }),
          );
        }
      }
      componentOutputs.push(co);
    }

    // earnings, adjustments, draw, payout (§4)
    const participantLines: LineOutput[] = [];
    let earnings = 0n;
    for (const a of amounts) earnings += a;
    let adjustmentCents = 0n;
    for (const adj of adjustments) {
      if (adj.periodIndex !== k) continue;
      const cents = divRoundHalfUp(adj.amount, E10);
      adjustmentCents += cents;
      if (full) participantLines.push({ source: 'adjustment', ...(adj.reason !== null ? { reason: adj.reason } : {}), amount: formatCents(cents) });
    }
    earnings += adjustmentCents;
    let drawCents = 0n;
    let recoveryCents = 0n;
    const draw = plan.draw;
    if (draw !== null) {
      const inGuarantee = draw.periods.has(period.id);
      const guarantee = inGuarantee ? divRoundHalfUp(draw.amount, E10) : 0n;
      if (inGuarantee && guarantee > earnings) {
        drawCents = guarantee - earnings;
        if (draw.type === 'recoverable') drawBalance += drawCents * E10;
        if (full) participantLines.push({ source: 'draw', reason: `guaranteed ${formatCents(guarantee)} less earnings ${formatCents(earnings)}`, amount: formatCents(drawCents) });
      }
      if (draw.type === 'recoverable' && drawBalance > 0n && recoveryActive(periods, k, draw.recoverFrom) && earnings > guarantee) {
        // scale 14: recoveryRate (12) × excess (cents)
        const wanted = draw.recoveryRate * (earnings - guarantee);
        const balance14 = drawBalance * 100n;
        recoveryCents = divRoundHalfUp(wanted < balance14 ? wanted : balance14, E12);
        drawBalance -= recoveryCents * E10;
        if (drawBalance < 0n) drawBalance = 0n;
        if (recoveryCents !== 0n && full) {
          participantLines.push({
            source: 'recovery',
            rate: formatExact(draw.recoveryRate, 1n, 12, 0, 12),
            reason: `${formatExact(draw.recoveryRate * 100n, 1n, 12, 0, 10)}% of earnings above ${formatCents(guarantee)}, up to the draw balance`,
            amount: formatCents(-recoveryCents),
          });
        }
      }
    }
    const payout = earnings + drawCents - recoveryCents;
    out.push({
      participantId: participant.id,
      components: componentOutputs,
      adjustments: formatCents(adjustmentCents),
      earnings: formatCents(earnings),
      draw: formatCents(drawCents),
      recovery: formatCents(recoveryCents),
      payout: formatCents(payout),
      drawBalance: formatExact(drawBalance, 1n, 12, 2, 12),
      lines: participantLines,
    });
    amounts.fill(0n);
  }

  const state: ParticipantStateOutput = { credited: {}, paid: {}, drawBalance: formatExact(drawBalance, 1n, 12, 2, 12), deficit: {} };
  comps.forEach((c, ci) => {
    const carry = carries[ci];
    if (c.window === 'run' && c.of === null) {
      state.credited[c.id] = formatExact(carry.runTotal, 1n, 24, 2, 12);
      if (carry.paidN === null) {
        const t = tableFor(c, 'table', c.basis === 'attainment' ? (quotaFor(participant, periods[periods.length - 1].id) as bigint) : E12);
        t.value(carry.runTotal);
        carry.paidN = t.n;
        carry.paidD = t.d;
      }
      state.paid[c.id] = formatExact(carry.paidN, carry.paidD, 36, 2, 12);
    }
    if (c.threshold?.carryDeficit) state.deficit[c.id] = formatExact(carry.deficit, 1n, 24, 2, 12);
  });
  return { participantId: participant.id, periods: out, state };
}
