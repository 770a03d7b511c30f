/**
 * The payout engine: one participant at a time, period by period, component by
 * component (spec §3–§6). Pure and deterministic; the same inputs give the same
 * cents whether the whole document or a batch of participants is calculated, and
 * whichever arithmetic a component runs on (see fast-table.ts).
 *
 * A `ParticipantRun` advances one period per call, so a whole document can be
 * calculated (and written) period by period without holding every line of every
 * period at once.
 */
import type { CompiledAdjustment, CompiledComponent, CompiledParticipant, CompiledPeriod, CompiledPlan } from './compiled-plan';
import { type CreditStore, META_DEC_MASK, META_SHARE_SHIFT, POS_POSITIVE, POS_REVERSAL, POS_REVERSED_LATER } from './credit.store';
import { POW10, divRoundHalfUp, formatCents, formatExact } from './exact-decimal';
import { type FastSpec, type FastTable, attainmentText, centsAt, curveCents, formatScaled, planFast } from './fast-table';
import { referenceLine } from './fast-line.renderer';
import { explainCreditLine } from './line.explainer';
import { F_CLAWBACK, F_CREDIT, F_TRUE_UP, type FastLineContext, FastLines, type LineRenderer, type RawLine } from './line-columns';
import type { ComponentOutput, LineOutput, ParticipantPeriodOutput, ParticipantStateOutput } from './plan-language.types';
import { TierTable } from './tier-table.evaluator';

/*
 * Imports the loops read, bound once to module constants: under tsx (calc, bench:engine)
 * every read of an imported binding is a call through its CommonJS interop getter.
 */
const REVERSAL = POS_REVERSAL;
const POSITIVE = POS_POSITIVE;
const REVERSED_LATER = POS_REVERSED_LATER;
const SHARE_SHIFT = META_SHARE_SHIFT;
const DEC_MASK = META_DEC_MASK;
const CLAWBACK = F_CLAWBACK;
const CREDIT = F_CREDIT;
const TRUE_UP = F_TRUE_UP;
const centsAtScale = centsAt;
const curveCentsOf = curveCents;
const scaledText = formatScaled;
const centsText = formatCents;
const divHalfUp = divRoundHalfUp;

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

/** Counts of participant components by arithmetic (the property test reads them). */
export interface EngineStats {
  fast: number;
  exact: number;
}

export interface EngineOptions {
  /** 'full' (default): every line with its explanation; 'none': figures only (bulk runs) */
  lines?: 'full' | 'none';
  /** 'auto' (default): the fast path wherever it is proved exact; 'exact': BigInt everywhere (for tests) */
  arithmetic?: 'auto' | 'exact';
  /** counts of components on each path, added to */
  stats?: EngineStats;
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

/** What a transaction's lines paid a participant's component, for a later clawback. */
interface Paid {
  cents: bigint;
  period: number;
  /** its lines were part of the sum that period's cap looked at */
  inSum: boolean;
  /** share the cap let through (1/1 when the cap did not cut) */
  capN: bigint;
  capD: bigint;
}

interface ComponentCarry {
  fast: FastSpec | null;
  // BigInt path
  runTotal: bigint;
  /** what the table has paid for runTotal (scale 36), null = take f(runTotal) */
  paidN: bigint | null;
  paidD: bigint;
  deficit: bigint;
  // fast path (integers at spec.st / spec.sl)
  fTotal: number;
  fPaid: number;
  fPaidSet: boolean;
  fDeficit: number;
  /** what was paid per transaction key, for clawbacks */
  paid: Map<number, Paid>;
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

const rate12Text = (r: bigint): string => formatExact(r, 1n, 12, 0, 12);

const sharedFastLines = new FastLines();
const NO_LINES: RawLine[] = [];

/** One participant's calculation, advanced one period at a time. */
export class ParticipantRun {
  private readonly full: boolean;
  private readonly carries: ComponentCarry[];
  private drawBalance: bigint;
  private cursor: number;
  private readonly endPos: number;
  private readonly tableCache = new Map<string, TierTable>();
  private k = 0;
  private readonly renderer: LineRenderer | null;

  constructor(
    private readonly periods: readonly CompiledPeriod[],
    private readonly job: ParticipantJob,
    options: EngineOptions = {},
    renderer: LineRenderer | null = null,
  ) {
    this.full = options.lines !== 'none';
    this.renderer = renderer;
    const { participant, plan, store, slot } = job;
    this.cursor = store.start[slot];
    this.endPos = store.start[slot + 1];
    const exactOnly = options.arithmetic === 'exact';
    this.carries = plan.components.map((c) => {
      const paid = participant.state.paid.get(c.id);
      const fast = exactOnly || c.of !== null ? null : planFast(c, participant, periods, store.sumAbs[slot], store.valueDecimals[slot], rate12Text);
      if (options.stats && c.of === null) {
        if (fast !== null) options.stats.fast++;
        else options.stats.exact++;
      }
      const carry: ComponentCarry = {
        fast,
        runTotal: (participant.state.credited.get(c.id) ?? 0n) * E12,
        paidN: paid === undefined ? null : paid * E24,
        paidD: 1n,
        deficit: (participant.state.deficit.get(c.id) ?? 0n) * E12,
        fTotal: 0,
        fPaid: 0,
        fPaidSet: paid !== undefined,
        fDeficit: 0,
        paid: new Map(),
      };
      if (fast !== null) {
        const toSt = (v: bigint): number => Number((v * POW10[fast.st]) / E12);
        carry.fTotal = toSt(participant.state.credited.get(c.id) ?? 0n);
        carry.fDeficit = toSt(participant.state.deficit.get(c.id) ?? 0n);
        if (paid !== undefined) carry.fPaid = Number((paid * POW10[fast.sl]) / E12);
      }
      return carry;
    });
    this.drawBalance = participant.state.drawBalance; // scale 12
  }

  private tableFor(c: CompiledComponent, which: 'table' | 'multiplier', unit: bigint): TierTable {
    const key = `${c.index}:${which}:${unit}`;
    let t = this.tableCache.get(key);
    if (!t) {
      t = new TierTable((which === 'table' ? c.table : c.multiplier)!, unit);
      this.tableCache.set(key, t);
    }
    return t;
  }

  /** The next period's figures (and lines). */
  next(): ParticipantPeriodOutput {
    const k = this.k++;
    const { periods, job } = this;
    const { participant, plan, store, adjustments } = job;
    const period = periods[k];
    const posDate = store.posDate;
    const periodOfRank = store.periodOfRank;
    const first = this.cursor;
    let cursor = first;
    while (cursor < this.endPos && periodOfRank[posDate[cursor]] === k) cursor++;
    this.cursor = cursor;
    const last = cursor;
    const quota = quotaFor(participant, period.id);
    const componentOutputs: ComponentOutput[] = [];
    const comps = plan.components;
    // a fresh array each period: written while it is young, never from an old object to a young one (what scavenges pay for)
    const amounts = new Array<bigint>(comps.length).fill(0n);
    for (let ci = 0; ci < comps.length; ci++) {
      const c = comps[ci];
      const carry = this.carries[ci];
      const co = carry.fast !== null ? this.fastComponent(k, c, carry, first, last, quota, amounts) : this.exactComponent(k, c, carry, first, last, quota, amounts);
      componentOutputs.push(co);
    }

    // earnings, adjustments, draw, payout (§4)
    const participantLines: LineOutput[] = [];
    const full = this.full;
    let earnings = 0n;
    for (const a of amounts) earnings += a;
    let adjustmentCents = 0n;
    for (const adj of adjustments) {
      if (adj.periodIndex !== k) continue;
      const cents = divHalfUp(adj.amount, E10);
      adjustmentCents += cents;
      if (full) participantLines.push({ source: 'adjustment', ...(adj.reason !== null ? { reason: adj.reason } : {}), amount: centsText(cents) });
    }
    earnings += adjustmentCents;
    let drawCents = 0n;
    let recoveryCents = 0n;
    const draw = plan.draw;
    if (draw !== null) {
      const inGuarantee = draw.periods.has(period.id);
      const guarantee = inGuarantee ? divHalfUp(draw.amount, E10) : 0n;
      if (inGuarantee && guarantee > earnings) {
        drawCents = guarantee - earnings;
        if (draw.type === 'recoverable') this.drawBalance += drawCents * E10;
        if (full) participantLines.push({ source: 'draw', reason: `guaranteed ${centsText(guarantee)} less earnings ${centsText(earnings)}`, amount: centsText(drawCents) });
      }
      if (draw.type === 'recoverable' && this.drawBalance > 0n && recoveryActive(periods, k, draw.recoverFrom) && earnings > guarantee) {
        // scale 14: recoveryRate (12) × excess (cents)
        const wanted = draw.recoveryRate * (earnings - guarantee);
        const balance14 = this.drawBalance * 100n;
        recoveryCents = divHalfUp(wanted < balance14 ? wanted : balance14, E12);
        this.drawBalance -= recoveryCents * E10;
        if (this.drawBalance < 0n) this.drawBalance = 0n;
        if (recoveryCents !== 0n && full) {
          participantLines.push({
            source: 'recovery',
            rate: formatExact(draw.recoveryRate, 1n, 12, 0, 12),
            reason: `${formatExact(draw.recoveryRate * 100n, 1n, 12, 0, 10)}% of earnings above ${centsText(guarantee)}, up to the draw balance`,
            amount: centsText(-recoveryCents),
          });
        }
      }
    }
    const payout = earnings + drawCents - recoveryCents;
    return {
      participantId: participant.id,
      components: componentOutputs,
      adjustments: centsText(adjustmentCents),
      earnings: centsText(earnings),
      draw: centsText(drawCents),
      recovery: centsText(recoveryCents),
      payout: centsText(payout),
      drawBalance: formatExact(this.drawBalance, 1n, 12, 2, 12),
      lines: participantLines,
    };
  }


  private componentHead(c: CompiledComponent): ComponentOutput {
    return (c.deduction ? { id: c.id, kind: c.kind, deduction: true } : { id: c.id, kind: c.kind }) as ComponentOutput;
  }

  /**
   * Clawbacks (§5) and the cap (§3.6), the same on both paths: a clawback of a
   * transaction paid in this period nets out before the cap; one of an earlier period
   * takes back what that period's cap let through, after this period's cap.
   */
  private settle(k: number, c: CompiledComponent, carry: ComponentCarry, creditCents: bigint, clawbacks: RawLine[], fresh: Paid[]): bigint {
    const store = this.job.store;
    const { posTx, reverses: txReverses, reversedLater, txKey } = store;
    let sum = creditCents;
    const later: RawLine[] = clawbacks.length === 0 ? NO_LINES : [];
    for (const line of clawbacks) {
      const tx = posTx[line.pos];
      const original = carry.paid.get(txReverses[tx]);
      if (original === undefined) continue;
      const txAmount = store.amount(tx);
      const reversedAmount = store.reversedAmount.get(tx) as bigint;
      const absR = txAmount < 0n ? -txAmount : txAmount;
      const absT = reversedAmount < 0n ? -reversedAmount : reversedAmount;
      const samePeriod = original.period === k && original.inSum;
      const capN = samePeriod ? 1n : original.capN;
      const capD = samePeriod ? 1n : original.capD;
      line.cents = absR === absT && capN === capD ? -original.cents : divHalfUp(-original.cents * absR * capN, absT * capD);
      line.fraction = { n: absR, d: absT, original: original.cents, capN, capD };
      if (reversedLater[tx] === 1) {
        const key = txKey === null ? tx : txKey[tx];
        const entry = this.paidEntry(carry, key, k, samePeriod, fresh);
        entry.cents += line.cents;
      }
      if (samePeriod) sum += line.cents;
      else later.push(line);
    }
    let amount = sum;
    let capLine: RawLine | null = null;
    if (c.cap !== null) {
      const capCents = divHalfUp(c.cap, E10);
      const bound = c.deduction ? -capCents : capCents;
      if (c.deduction ? sum < bound : sum > bound) {
        capLine = { kind: 'cap', pos: -1, n: 0n, d: 1n, a: 0n, b: 0n, cents: bound - sum };
        amount = bound;
        // what this period's lines keep of their value: cap ÷ uncapped sum (both negative for a deduction)
        const capN = sum < 0n ? -bound : bound;
        const capD = sum < 0n ? -sum : sum;
        for (const p of fresh) {
          if (!p.inSum) continue;
          p.capN = capN;
          p.capD = capD;
        }
      }
    }
    for (const line of later) amount += line.cents;
    this.capLine = capLine;
    return amount;
  }

  /** The cap line of the component just settled, or null. */
  private capLine: RawLine | null = null;
  /** scratch of one component's period: its clawback lines and the paid records it made (reused) */
  private readonly clawbacks: RawLine[] = [];
  private readonly fresh: Paid[] = [];

  /** Remember what the credit at `pos` paid, when a later transaction reverses it. */
  private recordPaid(carry: ComponentCarry, pos: number, k: number, cents: bigint): void {
    const { posTx, reversedLater, txKey } = this.job.store;
    const tx = posTx[pos];
    if (reversedLater[tx] !== 1) return;
    const entry = this.paidEntry(carry, txKey === null ? tx : txKey[tx], k, true, this.fresh);
    entry.cents += cents;
  }

  private paidEntry(carry: ComponentCarry, key: number, k: number, inSum: boolean, fresh: Paid[]): Paid {
    let entry = carry.paid.get(key);
    if (entry === undefined || entry.period !== k) {
      entry = { cents: 0n, period: k, inSum, capN: 1n, capD: 1n };
      carry.paid.set(key, entry);
      fresh.push(entry);
    }
    return entry;
  }

  // ---- the BigInt path ------------------------------------------------------------

  private exactComponent(k: number, c: CompiledComponent, carry: ComponentCarry, first: number, last: number, quota: bigint | undefined, amounts: bigint[]): ComponentOutput {
    const { store, plan } = this.job;
    const full = this.full;
    const { posMeta, posTypeProduct } = store;
    const lines: RawLine[] = [];
    const clawbacks = this.clawbacks;
    const fresh = this.fresh;
    clawbacks.length = 0;
    fresh.length = 0;
    let creditCents = 0n;
    let input = 0n;
    let factorN = 1n;
    let factorD = 1n;
    let hasFactor = false;
    let thresholdUsed = 0n;
    let table: TierTable | null = null;
    const record = (pos: number, cents: bigint): void => this.recordPaid(carry, pos, k, cents);

    if (c.of !== null) {
      // bonus "of": one line, rate × the other component's period amount
      const base = amounts[c.ofIndex];
      if (base !== 0n) {
        const cents = divHalfUp((c.rate as bigint) * base, E12);
        lines.push({ kind: 'credit', pos: -1, n: base, d: 1n, a: 0n, b: 0n, cents });
        creditCents += cents;
      }
    } else {
      const unit = c.basis === 'attainment' ? (quota as bigint) : E12;
      table = this.tableFor(c, 'table', unit);
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
          if (divHalfUp(n, d * TO_CENTS_36) !== 0n) lines.push({ kind: 'true-up', pos: -1, n, d, a: total, b: total, cents: 0n });
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
        const tp = posTypeProduct[i];
        if (types !== null && types[tp >>> 16] === 0) continue;
        if (products !== null && products[tp & 0xffff] === 0) continue;
        const flags = (posMeta[i] >> 4) & 7;
        const isReversal = (flags & REVERSAL) !== 0;
        if (isReversal && !plan.clawbackReducesAttainment) {
          const line: RawLine = { kind: 'clawback', pos: i, n: 0n, d: 1n, a: 0n, b: 0n, cents: 0n };
          lines.push(line);
          clawbacks.push(line);
          continue;
        }
        // a reversal that reduces attainment is a credit note of −|amount| × share
        const value = store.valueAt(i);
        const v = isReversal && (flags & POSITIVE) !== 0 ? -value : value;
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
          lines.push({ kind: 'credit', pos: i, n, d, a, b: windowed ? total : v, cents: 0n });
        } else {
          const cents = d === 1n ? centsOf36(n) : divHalfUp(n, d * TO_CENTS_36);
          creditCents += cents;
          if ((flags & REVERSED_LATER) !== 0) record(i, cents);
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
        const mt = this.tableFor(c, 'multiplier', c.multiplier.basis === 'attainment' ? (quota as bigint) : E12);
        mt.rate(input > 0n ? input : 0n);
        factorN = mt.n;
        factorD = mt.d;
        hasFactor = true;
      }
      for (const line of lines) {
        if (line.kind === 'clawback') continue;
        if (hasFactor) line.cents = divHalfUp(line.n * factorN, line.d * factorD * TO_CENTS_48);
        else line.cents = line.d === 1n ? centsOf36(line.n) : divHalfUp(line.n, line.d * TO_CENTS_36);
        creditCents += line.cents;
        if (line.pos >= 0 && (((posMeta[line.pos] >> 4) & 7) & REVERSED_LATER) !== 0) record(line.pos, line.cents);
      }
    }

    const amount = this.settle(k, c, carry, creditCents, clawbacks, fresh);
    if (this.capLine !== null) lines.push(this.capLine);
    amounts[c.index] = amount;

    const co = this.componentHead(c);
    co.amount = centsText(amount);
    co.input = formatExact(input, 1n, 24, 2, 2);
    if (quota !== undefined && quota > 0n && c.of === null) co.attainment = formatExact(input, quota, 12, 0, 12);
    if (hasFactor) co.multiplier = formatExact(factorN, factorD, 12, 0, 12);
    if (c.threshold !== null) co.threshold = formatExact(thresholdUsed, 1n, 24, 2, 12);
    co.lines = [];
    if (full) {
      for (const line of lines) {
        if (line.kind === 'clawback' && line.fraction === undefined) continue;
        co.lines.push(
          explainCreditLine({
            line: { ...line, credit: line.pos >= 0 ? store.view(store.order[line.pos]) : null },
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
    return co;
  }

  // ---- the fast path --------------------------------------------------------------

  private fastComponent(k: number, c: CompiledComponent, carry: ComponentCarry, first: number, last: number, quota: bigint | undefined, amounts: bigint[]): ComponentOutput {
    const { store, plan } = this.job;
    const full = this.full;
    const spec = carry.fast as FastSpec;
    const { st, sl, sm } = spec;
    const T = spec.tables[k];
    const { order, posMeta, posTypeProduct, posMant } = store;
    const valueScale = store.valueScale(st);
    const lines = sharedFastLines;
    lines.size = 0;
    const clawbacks = this.clawbacks;
    const fresh = this.fresh;
    clawbacks.length = 0;
    fresh.length = 0;
    let creditCents = 0;
    let input = 0;
    const windowed = c.window !== 'transaction';
    let total = c.window === 'run' ? carry.fTotal : 0;
    const hasThreshold = c.threshold !== null;
    const t = hasThreshold ? spec.threshold + (c.threshold!.carryDeficit ? carry.fDeficit : 0) : 0;

    if (c.window === 'run') {
      const gt = T.value(hasThreshold ? (total > t ? total - t : 0) : total);
      if (!carry.fPaidSet) {
        carry.fPaid = gt;
        carry.fPaidSet = true;
      } else {
        const n = gt - carry.fPaid;
        if (centsAtScale(n, sl) !== 0) lines.push(TRUE_UP, -1, n, total, total);
      }
    }
    let ka = hasThreshold ? (total > t ? total - t : 0) : total;
    let ga = windowed ? T.value(ka) : 0;
    const curve = T.curve;
    const keepLines = full || c.multiplier !== null;
    const types = c.types !== null ? store.mask(c.types) : null;
    const products = c.products !== null ? store.mask(c.products) : null;
    const cra = plan.clawbackReducesAttainment;
    for (let i = first; i < last; i++) {
      const tp = posTypeProduct[i];
      if (types !== null && types[tp >>> 16] === 0) continue;
      if (products !== null && products[tp & 0xffff] === 0) continue;
      const meta = posMeta[i];
      const flags = (meta >> 4) & 7;
      const isReversal = (flags & REVERSAL) !== 0;
      if (isReversal && !cra) {
        lines.push(CLAWBACK, i, 0, 0, 0);
        clawbacks.push({ kind: 'clawback', pos: i, n: 0n, d: 1n, a: 0n, b: 0n, cents: 0n });
        continue;
      }
      // mantissa × share × 10^(st − decimals): one multiplication by the share's scale
      let v = posMant[i] * valueScale[(meta >>> SHARE_SHIFT) * 13 + (meta & DEC_MASK) - 1];
      if (isReversal && (flags & POSITIVE) !== 0) v = -v;
      input += v;
      let n: number;
      let a = 0;
      let b: number;
      let cents: number;
      if (!windowed) {
        n = T.value(v);
        b = v;
        cents = keepLines ? 0 : curve ? curveCentsOf(T, false, 0, v, 0, n, -1, spec) : centsAtScale(n, sl);
      } else {
        a = total;
        b = total + v;
        const kb = hasThreshold ? (b > t ? b - t : 0) : b;
        const gb = T.value(kb);
        n = gb - ga;
        cents = keepLines ? 0 : curve ? curveCentsOf(T, true, ka, kb, ga, gb, -1, spec) : centsAtScale(n, sl);
        total = b;
        ga = gb;
        ka = kb;
      }
      if (keepLines) lines.push(CREDIT, i, n, a, b);
      else {
        creditCents += cents;
        if ((flags & REVERSED_LATER) !== 0) this.recordPaid(carry, i, k, BigInt(cents));
      }
    }
    if (windowed) input = total;
    if (c.window === 'run') {
      carry.fTotal = total;
      carry.fPaid = ga;
    }
    if (hasThreshold && c.threshold!.carryDeficit) carry.fDeficit = t > total ? t - total : 0;
    let factor = -1;
    if (c.multiplier !== null) factor = (spec.multipliers[k] as FastTable).factor(input > 0 ? input : 0);
    // kept lines (and true-ups) are rounded now that the factor is known
    const { kind, n, cents, pos } = lines;
    for (let j = 0; j < lines.size; j++) {
      if (kind[j] === CLAWBACK) continue;
      let cj: number;
      if (curve) {
        const keyA = hasThreshold ? (lines.a[j] > t ? lines.a[j] - t : 0) : lines.a[j];
        const keyB = hasThreshold ? (lines.b[j] > t ? lines.b[j] - t : 0) : lines.b[j];
        cj = windowed ? curveCentsOf(T, true, keyA, keyB, T.value(keyA), T.value(keyB), factor, spec) : curveCentsOf(T, false, 0, keyB, 0, T.value(keyB), factor, spec);
      } else cj = factor >= 0 ? centsAtScale(n[j] * factor, sl + sm) : centsAtScale(n[j], sl);
      cents[j] = cj;
      creditCents += cj;
      // the flag is beside the position (read in order); the transaction's columns are not
      if (pos[j] >= 0 && (((posMeta[pos[j]] >> 4) & 7) & REVERSED_LATER) !== 0) this.recordPaid(carry, pos[j], k, BigInt(cj));
    }

    const amount = this.settle(k, c, carry, BigInt(creditCents), clawbacks, fresh);
    const capLine = this.capLine;
    amounts[c.index] = amount;
    const co = this.componentHead(c);
    co.amount = centsText(amount);
    co.input = scaledText(input, st, 2, 2);
    if (quota !== undefined && quota > 0n) co.attainment = attainmentText(input, st, quota);
    if (factor >= 0) co.multiplier = scaledText(factor, sm, 0, 12);
    if (hasThreshold) co.threshold = scaledText(t, st, 2, 12);
    if (!full) co.lines = [];
    else {
      const ctx: FastLineContext = { component: c, spec, table: T, quota, threshold: t, hasThreshold, factor, thresholdText: co.threshold ?? '', multiplierText: co.multiplier ?? '', exactTable: null, memo: { total: NaN, totalText: '', attainment: NaN, attainmentText: '' } };
      const renderer = this.renderer;
      // the list is made at its final length (pushes regrew it by half again each time): every line, less the clawbacks that explain nothing, and the cap's
      let count = lines.size + (capLine !== null ? 1 : 0);
      for (let cb = 0; cb < clawbacks.length; cb++) if (clawbacks[cb].fraction === undefined) count--;
      const out = new Array<LineOutput>(count);
      let o = 0;
      let cb = 0;
      for (let j = 0; j < lines.size; j++) {
        if (lines.kind[j] === CLAWBACK) {
          const line = clawbacks[cb++];
          if (line.fraction === undefined) continue;
          out[o++] = explainCreditLine({ line: { ...line, credit: store.view(order[line.pos]) }, component: c, table: null, quota, threshold: 0n, hasThreshold: false, factor: null, ofAmount: 0n });
          continue;
        }
        out[o++] = renderer !== null ? renderer.fastLine(store, lines, j, ctx) : referenceLine(store, lines, j, ctx);
      }
      if (capLine !== null) out[o++] = explainCreditLine({ line: { ...capLine, credit: null }, component: c, table: null, quota, threshold: 0n, hasThreshold: false, factor: null, ofAmount: 0n });
      co.lines = out;
    }
    return co;
  }

  /** The state to carry into the next run (§6), after the last period. */
  state(): ParticipantStateOutput {
    const { participant, plan } = this.job;
    const periods = this.periods;
    const state: ParticipantStateOutput = { credited: {}, paid: {}, drawBalance: formatExact(this.drawBalance, 1n, 12, 2, 12), deficit: {} };
    plan.components.forEach((c, ci) => {
      const carry = this.carries[ci];
      const fast = carry.fast;
      if (c.window === 'run' && c.of === null) {
        if (fast !== null) {
          state.credited[c.id] = scaledText(carry.fTotal, fast.st, 2, 12);
          state.paid[c.id] = scaledText(carry.fPaid, fast.sl, 2, 12);
        } else {
          state.credited[c.id] = formatExact(carry.runTotal, 1n, 24, 2, 12);
          if (carry.paidN === null) {
            const t = this.tableFor(c, 'table', c.basis === 'attainment' ? (quotaFor(participant, periods[periods.length - 1].id) as bigint) : E12);
            t.value(carry.runTotal);
            carry.paidN = t.n;
            carry.paidD = t.d;
          }
          state.paid[c.id] = formatExact(carry.paidN, carry.paidD, 36, 2, 12);
        }
      }
      if (c.threshold?.carryDeficit) state.deficit[c.id] = fast !== null ? scaledText(carry.fDeficit, fast.st, 2, 12) : formatExact(carry.deficit, 1n, 24, 2, 12);
    });
    return state;
  }
}
