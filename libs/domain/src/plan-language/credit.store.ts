/**
 * Every credit of a calculation, column by column. A large import has over a million
 * credits; one object (and one BigInt product) per credit made compilation slower than
 * the calculation itself, so transactions and credits live in typed columns and the
 * engine reads them by row number.
 */
import type { CompiledCredit } from './compiled-plan';
import { POW10, parseDecimal } from './exact-decimal';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * A decimal string or number as an exact integer mantissa and a count of decimals,
 * or null when it is not that simple (the caller then parses it as a BigInt). The
 * mantissa is exact: at most 15 digits, so always below 2^53.
 */
function fastMantissa(raw: unknown, out: { mant: number; dec: number }): boolean {
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw) || raw > MAX_SAFE || raw < -MAX_SAFE) return false;
    out.mant = raw;
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

const scratch = { mant: 0, dec: 0 };

/** posFlags bits */
export const POS_REVERSAL = 1;
export const POS_REVERSED_LATER = 2;
export const POS_POSITIVE = 4;

export class CreditStore {
  // ---- per transaction (index t) ----
  txCount = 0;
  readonly txId: string[];
  /** date as a code into `dates` (0 = none); dates repeat, so each is kept once */
  dateCode: Int32Array;
  readonly dates: string[] = [''];
  private readonly dateCodes = new Map<string, number>();
  private lastDateCode = 0;
  /**
   * One number per transaction id, the key of paid-per-transaction and of `reverses`,
   * and the position in the import (tie-break for equal dates). Null: both are the
   * row itself, as in a document (spares two columns on a large one).
   */
  txKey: Int32Array | null = null;
  seq: Int32Array | null = null;
  period: Int32Array;
  /** amount = mant × 10^-dec exactly (mant < 2^53); dec −1: the amount is in `amountBig` */
  amountMant: Float64Array;
  amountDec: Int8Array;
  readonly amountBig = new Map<number, bigint>();
  /** type and product as codes into `names` (0 = none) */
  type: Int32Array;
  product: Int32Array;
  readonly names: string[] = [''];
  private readonly nameCodes = new Map<string, number>();
  /** key of the reversed transaction, −1 for an ordinary one */
  reverses: Int32Array;
  /** reversals only: the reversed transaction's id and amount */
  readonly reversesId = new Map<number, string>();
  readonly reversedAmount = new Map<number, bigint>();
  /** a later transaction reverses this one: the engine remembers what its lines paid */
  reversedLater: Uint8Array;
  /** rows of this transaction: creditFrom[t] .. creditFrom[t + 1] (or creditCount for the last) */
  creditFrom: Int32Array;

  // ---- per credit (row r) ----
  creditCount = 0;
  creditTx: Int32Array;
  creditShare: Int32Array;
  creditParticipant: Int32Array;
  /** shares repeat endlessly: each distinct one once */
  readonly shares: bigint[] = [];
  private readonly shareCodes = new Map<bigint, number>();
  /** shares[s] × 10^(12 − dec) for dec 0..12: value = mant × this, scale 24 */
  private readonly shareScaled: bigint[][] = [];

  // ---- grouping, after finish() ----
  /** rows in calculation order, participant by participant: order[start[p]] .. order[start[p + 1] − 1] */
  order: Int32Array = new Int32Array(0);
  start: Int32Array = new Int32Array(1);
  /**
   * What the engine reads for every credit, gathered in that same order (position i
   * is row order[i]): read one after another instead of a jump through the row and
   * transaction columns for each credit and component.
   */
  posPeriod: Int32Array = new Int32Array(0);
  posType: Int32Array = new Int32Array(0);
  posProduct: Int32Array = new Int32Array(0);
  /** POS_REVERSAL | POS_REVERSED_LATER | POS_POSITIVE */
  posFlags: Uint8Array = new Uint8Array(0);
  posMant: Float64Array = new Float64Array(0);
  posDec: Int8Array = new Int8Array(0);
  posShare: Int32Array = new Int32Array(0);

  constructor(txCapacity = 16, creditCapacity = 16) {
    const t = Math.max(txCapacity, 16);
    const c = Math.max(creditCapacity, 16);
    this.txId = new Array<string>(t);
    this.dateCode = new Int32Array(t);
    this.period = new Int32Array(t);
    this.amountMant = new Float64Array(t);
    this.amountDec = new Int8Array(t);
    this.type = new Int32Array(t);
    this.product = new Int32Array(t);
    this.reverses = new Int32Array(t);
    this.reversedLater = new Uint8Array(t);
    this.creditFrom = new Int32Array(t);
    this.creditTx = new Int32Array(c);
    this.creditShare = new Int32Array(c);
    this.creditParticipant = new Int32Array(c);
  }

  /** Code of a type or product name (0 for none). */
  code(name: string | null): number {
    if (name === null) return 0;
    // few distinct names: a short scan beats hashing each one
    const names = this.names;
    for (let i = 1; i < names.length && i < 9; i++) if (names[i] === name) return i;
    let c = this.nameCodes.get(name);
    if (c === undefined) {
      c = this.names.length;
      this.names.push(name);
      this.nameCodes.set(name, c);
    }
    return c;
  }

  private readonly masks = new Map<ReadonlySet<string>, Uint8Array>();

  /** A filter (`types`, `products`) as a lookup by code: 1 = passes. Built once per filter. */
  mask(names: ReadonlySet<string>): Uint8Array {
    let m = this.masks.get(names);
    if (m === undefined) {
      m = new Uint8Array(this.names.length);
      for (let c = 1; c < this.names.length; c++) m[c] = names.has(this.names[c]) ? 1 : 0;
      this.masks.set(names, m);
    }
    return m;
  }

  /** Parse an amount into row t; the reason when it is not a valid decimal. */
  setAmount(t: number, raw: unknown): string | null {
    if (fastMantissa(raw, scratch)) {
      this.amountMant[t] = scratch.mant;
      this.amountDec[t] = scratch.dec;
      return null;
    }
    const r = parseDecimal(raw);
    if (!r.ok) {
      this.amountMant[t] = 0;
      this.amountDec[t] = 0;
      return r.message;
    }
    this.setAmountBig(t, r.value);
    return null;
  }

  setAmountBig(t: number, value: bigint): void {
    this.amountDec[t] = -1;
    this.amountMant[t] = value < 0n ? -1 : value > 0n ? 1 : 0;
    this.amountBig.set(t, value);
  }

  /** Amount of transaction t at scale 12. */
  amount(t: number): bigint {
    const dec = this.amountDec[t];
    return dec < 0 ? (this.amountBig.get(t) as bigint) : BigInt(this.amountMant[t]) * POW10[12 - dec];
  }

  /** Rows carry their own transaction keys and import positions (a batch of database rows). */
  useKeys(): void {
    if (this.txKey === null) {
      this.txKey = new Int32Array(this.period.length);
      this.seq = new Int32Array(this.period.length);
    }
  }

  /** Code of a date string (repeats a lot). */
  dateCodeOf(date: string): number {
    // imports mostly arrive in date order: the same date as the last one is common
    if (date === this.dates[this.lastDateCode]) return this.lastDateCode;
    let c = this.dateCodes.get(date);
    if (c === undefined) {
      c = this.dates.length;
      this.dates.push(date);
      this.dateCodes.set(date, c);
    }
    if (c !== 0) this.lastDateCode = c;
    return c;
  }

  date(t: number): string {
    return this.dates[this.dateCode[t]];
  }

  /** Start a transaction row; the caller fills the rest. */
  addTransaction(id: string): number {
    if (this.txCount === this.period.length) this.growTransactions();
    const t = this.txCount++;
    this.txId[t] = id;
    this.reverses[t] = -1;
    this.creditFrom[t] = this.creditCount;
    return t;
  }

  addCredit(t: number, participant: number, share: bigint): void {
    if (this.creditCount === this.creditTx.length) this.growCredits();
    let s = this.shareCodes.get(share);
    if (s === undefined) {
      s = this.shares.length;
      this.shares.push(share);
      this.shareCodes.set(share, s);
      this.shareScaled.push(Array.from({ length: 13 }, (_, dec) => share * POW10[12 - dec]));
    }
    const r = this.creditCount++;
    this.creditTx[r] = t;
    this.creditShare[r] = s;
    this.creditParticipant[r] = participant;
  }

  /** amount × share of row r, exact at scale 24. */
  value(r: number): bigint {
    const t = this.creditTx[r];
    const dec = this.amountDec[t];
    const s = this.creditShare[r];
    return dec < 0 ? (this.amountBig.get(t) as bigint) * this.shares[s] : BigInt(this.amountMant[t]) * this.shareScaled[s][dec];
  }

  /** Group the rows by participant in calculation order (date, then document order). */
  finish(participantCount: number): void {
    const n = this.creditCount;
    const start = new Int32Array(participantCount + 1);
    const participantOf = this.creditParticipant;
    for (let r = 0; r < n; r++) start[participantOf[r] + 1]++;
    for (let p = 0; p < participantCount; p++) start[p + 1] += start[p];
    // dates compare as strings; rank their codes once so the checks below compare integers
    const byDate = this.dates.map((_, c) => c).sort((a, b) => (this.dates[a] < this.dates[b] ? -1 : this.dates[a] > this.dates[b] ? 1 : 0));
    const rankOfCode = new Int32Array(this.dates.length);
    byDate.forEach((c, i) => (rankOfCode[c] = i));
    const tx = this.creditTx;
    const code = this.dateCode;
    const seq = this.seq;
    const compare = (a: number, b: number): number => {
      const ta = tx[a];
      const tb = tx[b];
      const ra = rankOfCode[code[ta]];
      const rb = rankOfCode[code[tb]];
      if (ra !== rb) return ra - rb;
      return seq === null ? ta - tb : seq[ta] - seq[tb];
    };
    const order = new Int32Array(n);
    this.order = order;
    this.start = start;
    this.posPeriod = new Int32Array(n);
    this.posType = new Int32Array(n);
    this.posProduct = new Int32Array(n);
    this.posFlags = new Uint8Array(n);
    this.posMant = new Float64Array(n);
    this.posDec = new Int8Array(n);
    this.posShare = new Int32Array(n);
    // the sort keys are gathered too, so the check below reads them one after another
    const rank = new Int32Array(n);
    const seqAt = new Int32Array(n);
    this.scatter(start.slice(0, participantCount), rankOfCode, rank, seqAt);
    // imports usually arrive in date order: check before sorting
    for (let p = 0; p < participantCount; p++) {
      for (let i = start[p] + 1; i < start[p + 1]; i++) {
        if (rank[i - 1] > rank[i] || (rank[i - 1] === rank[i] && seqAt[i - 1] > seqAt[i])) {
          order.subarray(start[p], start[p + 1]).sort(compare);
          this.gather(start[p], start[p + 1], rankOfCode, rank, seqAt);
          break;
        }
      }
    }
  }

  /**
   * Place every row at its position (stable: rows arrive in document order) with what
   * the engine reads of it. Rows are read in order, so their transaction's columns are
   * too; only the writes jump, which costs far less than a read that jumps.
   */
  private scatter(fill: Int32Array, rankOfCode: Int32Array, rank: Int32Array, seqAt: Int32Array): void {
    const { order, seq, creditTx, creditShare, creditParticipant, dateCode, period, type, product, reverses, reversedLater, amountMant, amountDec } = this;
    const { posPeriod, posType, posProduct, posFlags, posMant, posDec, posShare } = this;
    for (let r = 0; r < this.creditCount; r++) {
      const i = fill[creditParticipant[r]]++;
      const t = creditTx[r];
      order[i] = r;
      rank[i] = rankOfCode[dateCode[t]];
      seqAt[i] = seq === null ? t : seq[t];
      posPeriod[i] = period[t];
      posType[i] = type[t];
      posProduct[i] = product[t];
      posFlags[i] = (reverses[t] >= 0 ? POS_REVERSAL : 0) | (reversedLater[t] === 1 ? POS_REVERSED_LATER : 0) | (amountMant[t] > 0 ? POS_POSITIVE : 0);
      posMant[i] = amountMant[t];
      posDec[i] = amountDec[t];
      posShare[i] = creditShare[r];
    }
  }

  /** Re-read positions from .. to after their rows were sorted. */
  private gather(from: number, to: number, rankOfCode: Int32Array, rank: Int32Array, seqAt: Int32Array): void {
    // every column in a local: the loop runs once per credit
    const { order, seq, creditTx, creditShare, dateCode, period, type, product, reverses, reversedLater, amountMant, amountDec } = this;
    const { posPeriod, posType, posProduct, posFlags, posMant, posDec, posShare } = this;
    for (let i = from; i < to; i++) {
      const r = order[i];
      const t = creditTx[r];
      rank[i] = rankOfCode[dateCode[t]];
      seqAt[i] = seq === null ? t : seq[t];
      posPeriod[i] = period[t];
      posType[i] = type[t];
      posProduct[i] = product[t];
      posFlags[i] = (reverses[t] >= 0 ? POS_REVERSAL : 0) | (reversedLater[t] === 1 ? POS_REVERSED_LATER : 0) | (amountMant[t] > 0 ? POS_POSITIVE : 0);
      posMant[i] = amountMant[t];
      posDec[i] = amountDec[t];
      posShare[i] = creditShare[r];
    }
  }

  /** amount × share of the credit at position i (after finish), exact at scale 24. */
  valueAt(i: number): bigint {
    const dec = this.posDec[i];
    return dec < 0 ? this.value(this.order[i]) : BigInt(this.posMant[i]) * this.shareScaled[this.posShare[i]][dec];
  }

  /** Row r as an object, for explanations. */
  view(r: number): CompiledCredit {
    const t = this.creditTx[r];
    return {
      transactionId: this.txId[t],
      date: this.date(t),
      share: this.shares[this.creditShare[r]],
      amount: this.amount(t),
      reverses: this.reverses[t] >= 0 ? (this.reversesId.get(t) as string) : null,
    };
  }

  private growTransactions(): void {
    const size = this.period.length * 2;
    const grow = <A extends Int32Array | Float64Array | Int8Array | Uint8Array>(a: A, make: (n: number) => A): A => {
      const b = make(size);
      b.set(a);
      return b;
    };
    if (this.txKey !== null) this.txKey = grow(this.txKey, (n) => new Int32Array(n));
    if (this.seq !== null) this.seq = grow(this.seq, (n) => new Int32Array(n));
    this.dateCode = grow(this.dateCode, (n) => new Int32Array(n));
    this.period = grow(this.period, (n) => new Int32Array(n));
    this.amountMant = grow(this.amountMant, (n) => new Float64Array(n));
    this.amountDec = grow(this.amountDec, (n) => new Int8Array(n));
    this.type = grow(this.type, (n) => new Int32Array(n));
    this.product = grow(this.product, (n) => new Int32Array(n));
    this.reverses = grow(this.reverses, (n) => new Int32Array(n));
    this.reversedLater = grow(this.reversedLater, (n) => new Uint8Array(n));
    this.creditFrom = grow(this.creditFrom, (n) => new Int32Array(n));
  }

  private growCredits(): void {
    const size = this.creditTx.length * 2;
    const grow = (a: Int32Array): Int32Array => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.creditTx = grow(this.creditTx);
    this.creditShare = grow(this.creditShare);
    this.creditParticipant = grow(this.creditParticipant);
  }
}

/**
 * Transaction ids → first row with that id, for the duplicate check and `reverses`:
 * open addressing over an Int32Array (a Set of a million strings costs more than
 * everything else in the validation pass).
 */
export class TransactionIdIndex {
  /** pairs (hash, row + 1); 0 = empty. The hash beside the row spares reading the id string of every slot probed. */
  private table: Int32Array;
  private mask: number;
  private size = 0;

  constructor(
    private readonly ids: readonly string[],
    expected: number,
  ) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.table = new Int32Array(cap * 2);
    this.mask = cap - 1;
  }

  private static hash(s: string): number {
    let h = 0x811c9dc5;
    for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193);
    return h | 0;
  }

  /** Row of the first transaction with this id, or −1. */
  get(id: string): number {
    const table = this.table;
    const h = TransactionIdIndex.hash(id);
    for (let j = h & this.mask; ; j = (j + 1) & this.mask) {
      const t = table[2 * j + 1] - 1;
      if (t < 0) return -1;
      if (table[2 * j] === h && this.ids[t] === id) return t;
    }
  }

  /** Register row t (whose id is ids[t]); false if the id was already there. */
  add(t: number): boolean {
    const table = this.table;
    const id = this.ids[t];
    const h = TransactionIdIndex.hash(id);
    let j = h & this.mask;
    for (; ; j = (j + 1) & this.mask) {
      const u = table[2 * j + 1] - 1;
      if (u < 0) break;
      if (table[2 * j] === h && this.ids[u] === id) return false;
    }
    table[2 * j] = h;
    table[2 * j + 1] = t + 1;
    if (++this.size * 2 > this.mask + 1) this.rehash();
    return true;
  }

  private rehash(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2);
    this.mask = this.table.length / 2 - 1;
    for (let i = 0; i < old.length; i += 2) {
      if (old[i + 1] === 0) continue;
      let j = old[i] & this.mask;
      while (this.table[2 * j + 1] !== 0) j = (j + 1) & this.mask;
      this.table[2 * j] = old[i];
      this.table[2 * j + 1] = old[i + 1];
    }
  }
}
