/**
 * The transaction pass: transactions (of a document) or credit rows (of a batch read
 * from a database) into the typed columns of a `CreditStore`, every field checked on
 * the way. Shared by `calculate` and `calculateBatch`, so both read credits the same way.
 *
 * It runs once per transaction, a million times for a large import: paths and
 * messages are built only when something is wrong; ids are hashed on the way and
 * checked for duplicates by a sort afterwards; reversals are linked after the pass,
 * when every id is known.
 */
import type { CompiledPeriod } from './compiled-plan';
import { type Column, CreditStore, MAX_NAMES, hashId, lowerBound, rowsByHash } from './credit.store';
import { MAX_INTEGER_DIGITS, ONE, parseDecimal } from './exact-decimal';
import { type Issues, badCodePoint, checkKeys, hasOnlyKeys, isCleanText } from './input-rules';
import { type CalculationLimits, TOO_LARGE, formatCount } from './limits';
import { type DecimalRule, type Json, checkDecimal, isNonEmptyString, isObject } from './plan.compiler';

/*
 * Imports the pass calls per transaction, bound once to module constants: under tsx
 * (calc, bench:engine) every read of an imported binding is a call through its
 * CommonJS interop getter.
 */
const idHashOf = hashId;
const onlyKnownKeys = hasOnlyKeys;
const cleanText = isCleanText;
const objectValue = isObject;
const nonEmptyString = isNonEmptyString;
const parseDecimalValue = parseDecimal;

const MAX_MANT = 2 ** 53;
/** 10^15: the first integer out of the supported range */
const INT_LIMIT = 10 ** MAX_INTEGER_DIGITS;

/**
 * A decimal string or number as an exact integer mantissa and a count of decimals, or
 * false when it is not that simple (the caller then parses it exactly). The mantissa
 * has at most 15 digits, so it is always exact in a float.
 */
function fastMantissa(raw: unknown, out: { mant: number; dec: number }): boolean {
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw) || raw >= INT_LIMIT || raw <= -INT_LIMIT) return false;
    out.mant = raw === 0 ? 0 : raw;
    out.dec = 0;
    return true;
  }
  if (typeof raw !== 'string') return false;
  const len = raw.length;
  let i = 0;
  const negative = len > 0 && raw.charCodeAt(0) === 45;
  if (negative) i = 1;
  let mant = 0;
  let digits = 0;
  let dec = -1;
  let before = 0;
  for (; i < len; i++) {
    const ch = raw.charCodeAt(i);
    if (ch === 46) {
      if (dec >= 0 || digits === 0) return false;
      dec = 0;
      continue;
    }
    if (ch < 48 || ch > 57) return false;
    mant = mant * 10 + (ch - 48);
    digits++;
    if (dec >= 0) dec++;
    else before++;
  }
  if (digits === 0 || digits > 15 || dec === 0 || dec > 12 || before === 0) return false;
  out.mant = negative ? -mant : mant;
  out.dec = dec < 0 ? 0 : dec;
  return true;
}

const SHARE_RULE: DecimalRule = { min: 0n, minExclusive: true, max: ONE, what: 'share' };
const txPath = (i: number): string => `$.transactions[${i}]`;
const namePath = (at: number | string, field: string): string => `${typeof at === 'number' ? txPath(at) : at}.${field}`;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isIsoDate(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  const m = ISO_DATE.exec(v);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return day <= days;
}

/** One credit row as a close reads it from the database (see `calculateBatch`). */
export interface CreditRowInput {
  participantId: string;
  transactionId: string;
  seq: number;
  date: string;
  amount: unknown;
  share: unknown;
  type?: string | null;
  product?: string | null;
  reverses?: string | null;
  reversedAmount?: unknown;
}

interface PendingReversal {
  row: number;
  index: number;
  target: string;
  date: string | null;
  amountOk: boolean;
  rawAmount: unknown;
  ok: boolean;
}

export class TransactionPass {
  readonly store: CreditStore;
  private readonly scratch = { mant: 0, dec: 0 };
  /** share by its raw JSON value: code ≥ 0, or the reason it is not a share */
  private readonly shareByRaw = new Map<unknown, number | string>();
  private readonly reversals: PendingReversal[] = [];
  private readonly reversedSoFar = new Map<number, bigint>();
  /** batch rows: transaction id → key */
  private readonly keys = new Map<string, number>();
  private namesFull = false;

  constructor(
    private readonly issues: Issues,
    private readonly periods: readonly CompiledPeriod[],
    /** participants that compiled, by id */
    private readonly participantIndex: ReadonlyMap<string, number>,
    /** every participant id of the document, also of those with problems (not reported twice) */
    private readonly participantIds: ReadonlySet<string>,
    private readonly limits: CalculationLimits,
    expected: number,
    batch = false,
  ) {
    this.store = new CreditStore(expected, expected + (expected >> 1));
    if (batch) this.store.useKeys();
  }

  private periodOf = (d: string): number => (isIsoDate(d) ? this.periods.findIndex((p) => p.start <= d && d <= p.end) : -2);

  /** Period of a date (-2: not a date, -1: in no period). */
  private datePeriod(date: unknown, row: number): number {
    if (typeof date !== 'string') return -2;
    const store = this.store;
    const code = store.dateCodeOf(date, this.periodOf);
    store.dateCode[row] = code;
    return store.periodOfDate[code];
  }

  /** Code of a type or product; its path (a transaction's index, or a row's path) is only built when something is wrong. */
  private nameCode(name: unknown, at: number | string, field: 'type' | 'product'): number {
    if (name === undefined || name === null) return 0;
    if (typeof name !== 'string') {
      this.issues.add(namePath(at, field), 'must be a string', name);
      return 0;
    }
    const before = this.store.names.length;
    const c = this.store.code(name);
    if (c < 0) {
      if (!this.namesFull) this.issues.list.push({ path: namePath(at, field), message: `more than ${formatCount(MAX_NAMES)} distinct transaction types or products in one calculation`, value: name.slice(0, 60), code: TOO_LARGE });
      this.namesFull = true;
      return 0;
    }
    if (this.store.names.length > before) {
      const bad = badCodePoint(name);
      if (bad !== null) this.issues.add(namePath(at, field), bad, name);
    }
    return c;
  }

  /** Parse an amount into row t; the reason when it is not a valid decimal. */
  private setAmount(t: number, raw: unknown): string | null {
    const store = this.store;
    if (fastMantissa(raw, this.scratch)) {
      store.amountMant[t] = this.scratch.mant;
      store.amountDec[t] = this.scratch.dec;
      return null;
    }
    const r = parseDecimalValue(raw);
    if (!r.ok) {
      store.amountMant[t] = 0;
      store.amountDec[t] = 0;
      return r.message;
    }
    this.setFixed(t, r.value);
    return null;
  }

  /** A scale-12 amount: as mantissa and decimals when it fits a float exactly, else kept as a BigInt. */
  private setFixed(t: number, value: bigint): void {
    const store = this.store;
    let dec = 12;
    let m = value;
    while (dec > 0 && m % 10n === 0n) {
      m /= 10n;
      dec--;
    }
    const n = Number(m);
    if (n < MAX_MANT && n > -MAX_MANT) {
      store.amountMant[t] = n;
      store.amountDec[t] = dec;
    } else store.setAmountBig(t, value);
  }

  /** A share: its code, or the reason it is not one. Distinct shares are few, so each raw value is checked once. */
  private share(raw: unknown): number | string {
    let s = this.shareByRaw.get(raw);
    if (s === undefined) {
      const v = checkDecimal(raw, SHARE_RULE);
      s = typeof v === 'string' ? v : this.store.shareCode(v);
      if (this.shareByRaw.size < 100_000 && (typeof raw === 'number' || typeof raw === 'string')) this.shareByRaw.set(raw, s);
    }
    return s;
  }

  // ---- documents ---------------------------------------------------------------

  /** Transaction i of a document; its row is i. */
  addTransaction(i: number, t: unknown): void {
    const { issues, store } = this;
    if (!objectValue(t)) {
      store.addTransaction('', 0);
      issues.add(txPath(i), 'transaction must be an object', t);
      return;
    }
    if (!onlyKnownKeys(t, 'transaction')) checkKeys(issues, txPath(i), t, 'transaction');
    const id = t.id;
    let ok = true;
    let row: number;
    if (typeof id === 'string' && id.length > 0 && cleanText(id) && id.trim().length > 0) {
      row = store.addTransaction(id, idHashOf(id));
    } else {
      row = store.addTransaction('', 0);
      if (typeof id === 'string' && nonEmptyString(id)) issues.add(`${txPath(i)}.id`, `transaction id ${badCodePoint(id) as string}`, id);
      else issues.add(`${txPath(i)}.id`, 'transaction id must be a non-empty string', id);
      ok = false;
    }
    const pIndex = this.datePeriod(t.date, row);
    if (pIndex === -2) {
      issues.add(`${txPath(i)}.date`, 'must be a date YYYY-MM-DD', t.date);
      ok = false;
    } else if (pIndex < 0 && this.periods.length > 0) {
      issues.add(`${txPath(i)}.date`, 'falls in no period of the document', t.date);
      ok = false;
    }
    const amountError = this.setAmount(row, t.amount);
    if (amountError !== null) {
      issues.add(`${txPath(i)}.amount`, `amount ${amountError}`, t.amount);
      ok = false;
    }
    const isReversal = t.reverses !== undefined && t.reverses !== null;
    const typeCode = this.nameCode(t.type, i, 'type');
    const productCode = this.nameCode(t.product, i, 'product');
    if (!isReversal) {
      store.type[row] = typeCode;
      store.product[row] = productCode;
    }
    // a reversal is credited like the transaction it reverses, so its own credits are only checked
    const direct = !isReversal && amountError === null && pIndex >= 0;
    const rawCredits = t.credits;
    if (rawCredits !== undefined && rawCredits !== null) {
      if (!Array.isArray(rawCredits)) {
        issues.add(`${txPath(i)}.credits`, 'must be a list of {participantId, share}', rawCredits);
        ok = false;
      } else if (!this.addCredits(i, row, rawCredits, direct)) ok = false;
    }
    if (isReversal) {
      if (!nonEmptyString(t.reverses)) {
        issues.add(`${txPath(i)}.reverses`, 'must be the id of an earlier transaction', t.reverses);
        return;
      }
      this.reversals.push({ row, index: i, target: t.reverses, date: pIndex === -2 ? null : (t.date as string), amountOk: amountError === null, rawAmount: t.amount, ok });
    }
  }

  private addCredits(i: number, row: number, rawCredits: unknown[], direct: boolean): boolean {
    const { issues, store, participantIndex } = this;
    if (rawCredits.length > this.limits.maxCreditsPerTransaction) {
      issues.list.push({ path: `${txPath(i)}.credits`, message: `has ${rawCredits.length} credits; a transaction may have at most ${this.limits.maxCreditsPerTransaction}`, value: `[a list of ${rawCredits.length} credits]`, code: TOO_LARGE });
      return false;
    }
    let ok = true;
    let sum = 0;
    for (let j = 0; j < rawCredits.length; j++) {
      const c: unknown = rawCredits[j];
      if (!objectValue(c)) {
        issues.add(`${txPath(i)}.credits[${j}]`, 'credit must be an object {participantId, share}', c);
        ok = false;
        continue;
      }
      if (!onlyKnownKeys(c, 'credit')) checkKeys(issues, `${txPath(i)}.credits[${j}]`, c, 'credit');
      const pid = c.participantId;
      const p = typeof pid === 'string' ? participantIndex.get(pid) : undefined;
      if (p === undefined && (typeof pid !== 'string' || !this.participantIds.has(pid))) {
        issues.add(`${txPath(i)}.credits[${j}].participantId`, 'unknown participant id', pid);
        ok = false;
      }
      const share = this.share(c.share);
      if (typeof share === 'string') {
        issues.add(`${txPath(i)}.credits[${j}].share`, share, c.share);
        ok = false;
      } else {
        // shares at scale 12 are integers ≤ 10^12: their float sum is exact
        sum += store.shareUnits[share];
        if (direct && p !== undefined) store.addCredit(row, p, share);
      }
    }
    if (sum > 1e12) {
      issues.add(`${txPath(i)}.credits`, 'shares of one transaction add up to more than 1', rawCredits.map((c: unknown) => (objectValue(c) ? c.share : c)));
      ok = false;
    }
    return ok;
  }

  /** After every transaction: duplicate ids, then reversals linked in order (each credited like its original). */
  linkDocument(): void {
    const { store, issues } = this;
    const byHash = rowsByHash(store.idHash, store.txCount);
    for (let k = 1; k < byHash.length; k++) {
      const row = byHash[k];
      if (store.idHash[byHash[k - 1]] !== store.idHash[row] || store.txId[row] === '') continue;
      // rows with this hash come in row order: a duplicate is a later row with an id seen before
      for (let j = k - 1; j >= 0 && store.idHash[byHash[j]] === store.idHash[row]; j--) {
        if (store.txId[byHash[j]] === store.txId[row]) {
          issues.add(`${txPath(row)}.id`, 'duplicate transaction id', store.txId[row]);
          break;
        }
      }
    }
    for (const r of this.reversals) this.linkReversal(r, byHash);
    this.checkCreditCount();
  }

  private firstRow(byHash: Column, id: string): number {
    const store = this.store;
    const h = idHashOf(id);
    for (let k = lowerBound(byHash, store.idHash, h); k < byHash.length && store.idHash[byHash[k]] === h; k++) {
      if (store.txId[byHash[k]] === id) return byHash[k];
    }
    return -1;
  }

  private linkReversal(r: PendingReversal, byHash: Column): void {
    const { issues, store, reversedSoFar } = this;
    const { row, index: i } = r;
    const original = this.firstRow(byHash, r.target);
    // only an earlier transaction counts (a transaction cannot reverse itself)
    if (original < 0 || original >= row) {
      issues.add(`${txPath(i)}.reverses`, 'points to no earlier transaction of this document', r.target);
      return;
    }
    // the engine remembers what the original's lines paid
    store.reversedLater[original] = 1;
    store.type[row] = store.type[original];
    store.product[row] = store.product[original];
    if (r.date !== null && r.date < store.date(original)) {
      issues.add(`${txPath(i)}.date`, `a reversal cannot be dated before the transaction it reverses (${store.date(original)})`, r.date);
      return;
    }
    if (!r.amountOk) return;
    const amount = store.amount(row);
    const origAmount = store.amount(original);
    const abs = amount < 0n ? -amount : amount;
    const origAbs = origAmount < 0n ? -origAmount : origAmount;
    const before = reversedSoFar.get(original) ?? 0n;
    if (abs === 0n) {
      issues.add(`${txPath(i)}.amount`, 'a reversal must have a non-zero amount', r.rawAmount);
      return;
    } else if (before + abs > origAbs) {
      issues.add(`${txPath(i)}.amount`, `reversals of "${r.target}" add up to more than its amount`, r.rawAmount);
      return;
    }
    reversedSoFar.set(original, before + abs);
    if (!r.ok) return;
    store.reverses[row] = original;
    store.reversesId.set(row, r.target);
    store.reversedAmount.set(row, origAmount);
    const from = store.creditFrom[original];
    const to = from + store.creditLength[original];
    store.creditFrom[row] = store.creditCount;
    for (let c = from; c < to; c++) store.addCredit(row, store.creditParticipant[c], store.creditShare[c]);
  }

  private checkCreditCount(): void {
    if (this.store.creditCount > this.limits.maxCredits) {
      this.issues.list.push({ path: '$.transactions', message: `gives ${formatCount(this.store.creditCount)} credits; one calculation may have at most ${formatCount(this.limits.maxCredits)}`, value: null, code: TOO_LARGE });
    }
  }

  // ---- batches of database rows -------------------------------------------------

  /** Credit row i of a batch: one participant's share of one transaction (a reversal carries its original's amount). */
  addRow(i: number, row: CreditRowInput, reversedIds: ReadonlySet<string>): void {
    const { issues, store } = this;
    const path = `$.credits[${i}]`;
    const p = this.participantIndex.get(row.participantId);
    if (p === undefined) {
      issues.add(`${path}.participantId`, 'participant is not in this batch', row.participantId);
      return;
    }
    if (!nonEmptyString(row.transactionId) || !cleanText(row.transactionId)) {
      issues.add(`${path}.transactionId`, 'must be a non-empty string without control characters', row.transactionId);
      return;
    }
    const t = store.addTransaction(row.transactionId, 0);
    const pIndex = this.datePeriod(row.date, t);
    if (pIndex < 0) {
      issues.add(`${path}.date`, pIndex === -2 ? 'must be a date YYYY-MM-DD' : 'falls in no period', row.date);
      return;
    }
    let ok = true;
    const amountError = this.setAmount(t, row.amount);
    if (amountError !== null) {
      issues.add(`${path}.amount`, `amount ${amountError}`, row.amount);
      ok = false;
    }
    const share = this.share(row.share);
    if (typeof share === 'string') {
      issues.add(`${path}.share`, 'share must be greater than 0 and at most 1', row.share);
      ok = false;
    }
    let reversedAmount: bigint | null = null;
    if (row.reverses) {
      const r = parseDecimalValue(row.reversedAmount ?? null);
      if (!r.ok || r.value === 0n) {
        issues.add(`${path}.reversedAmount`, 'a reversal row needs the non-zero amount of the transaction it reverses', row.reversedAmount ?? null);
        ok = false;
      } else reversedAmount = r.value;
    }
    if (!ok) return;
    (store.txKey as Column)[t] = this.keyOf(row.transactionId);
    (store.seq as Column)[t] = row.seq;
    store.type[t] = this.nameCode(row.type ?? null, path, 'type');
    store.product[t] = this.nameCode(row.product ?? null, path, 'product');
    if (reversedIds.has(row.transactionId)) store.reversedLater[t] = 1;
    if (row.reverses) {
      store.reverses[t] = this.keyOf(row.reverses);
      store.reversesId.set(t, row.reverses);
      store.reversedAmount.set(t, reversedAmount as bigint);
    }
    store.addCredit(t, p, share as number);
  }

  /** Rows of one transaction id share a key, which is what clawbacks look up. */
  private keyOf(id: string): number {
    let k = this.keys.get(id);
    if (k === undefined) this.keys.set(id, (k = this.keys.size));
    return k;
  }

  linkBatch(): void {
    this.checkCreditCount();
  }
}

export type { Json };
