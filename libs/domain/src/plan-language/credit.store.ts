/**
 * Every credit of a calculation, column by column. A large import has over a million
 * credits; one object (and one BigInt product) per credit made compilation slower than
 * the calculation itself, so transactions and credits live in typed columns and the
 * engine reads them by position.
 *
 * Rows are added in document (or import) order by the transaction pass; `finish`
 * groups them by participant in calculation order (date, then document order) into
 * the `pos*` columns the engine reads one after another.
 */
import type { CompiledCredit } from './compiled-plan';
import { POW10 } from './exact-decimal';

/**
 * A column of a million rows on the JavaScript heap rather than in a typed array. A
 * typed array's memory is "external" to V8, and every 64 MiB of external memory
 * allocated since the last full collection starts one: a full mark of the whole
 * heap, which holds the caller's parsed document (hundreds of MiB for a million
 * transactions) and cost more than compiling it. Heap arrays of small integers and
 * of doubles are as fast to read and only count against the old generation's much
 * larger budget. Filled at creation, so they are never sparse.
 */
export type Column = number[];

/** A column of n integers (0). */
export function intColumn(n: number): Column {
  return new Array<number>(n).fill(0);
}

/** A column of n doubles (0): filled with a fraction first, so it holds unboxed doubles from the start. */
export function floatColumn(n: number): Column {
  return new Array<number>(n).fill(0.5).fill(0);
}

function grownColumn(a: Column, size: number, float: boolean): Column {
  const b = float ? floatColumn(size) : intColumn(size);
  for (let i = 0; i < a.length; i++) b[i] = a[i];
  return b;
}

/** Flags of a position (posMeta bits 4..6). */
export const POS_REVERSAL = 1;
export const POS_REVERSED_LATER = 2;
export const POS_POSITIVE = 4;

/** posMeta = share code << 7 | flags << 4 | (amount decimals + 1); decimals −1: the amount is in `amountBig`. */
export const META_DEC_MASK = 15;
export const META_SHARE_SHIFT = 7;

/** At most this many distinct transaction types (and products) in one calculation: codes share one column. */
export const MAX_NAMES = 0xffff;

export class CreditStore {
  // ---- per transaction (row t) ----
  txCount = 0;
  txId: string[];
  /** FNV-1a hash of the id, for the duplicate check and `reverses` (a sort, not a hash table) */
  idHash: Column;
  /** date as a code into `dates` (0 = none); dates repeat, so each is kept once */
  dateCode: Int32Array;
  readonly dates: string[] = [''];
  private readonly dateCodes = new Map<string, number>();
  private lastDateCode = 0;
  /** period index by date code (−1: in no period) */
  periodOfDate: number[] = [-1];
  /**
   * One number per transaction id (the key of what was paid per transaction and of
   * `reverses`) and the position in the import (tie-break for equal dates). Null: both
   * are the row itself, as in a document (spares two columns on a large one).
   */
  txKey: Column | null = null;
  seq: Column | null = null;
  /** amount = mant × 10^-dec exactly (|mant| < 2^53); dec −1: the amount is in `amountBig` */
  amountMant: Float64Array;
  amountDec: Int8Array;
  readonly amountBig = new Map<number, bigint>();
  /** type and product as codes into `names` (0 = none) */
  type: Column;
  product: Column;
  readonly names: string[] = [''];
  private readonly nameCodes = new Map<string, number>();
  /** key of the reversed transaction, −1 for an ordinary one */
  reverses: Int32Array;
  /** reversals only: the reversed transaction's id and amount */
  readonly reversesId = new Map<number, string>();
  readonly reversedAmount = new Map<number, bigint>();
  /** a later transaction reverses this one: the engine remembers what its lines paid */
  reversedLater: Uint8Array;
  /** credit rows of this transaction: creditFrom[t] .. creditFrom[t] + creditLength[t] − 1 */
  creditFrom: Column;
  creditLength: Column;

  // ---- per credit (row r) ----
  creditCount = 0;
  creditTx: Int32Array;
  creditShare: Int32Array;
  creditParticipant: Column;

  // ---- shares: each distinct one once ----
  /** scale 12 */
  readonly shares: bigint[] = [];
  /** the share at scale 12 as a float (exact: at most 10^12) */
  shareUnits: Float64Array = new Float64Array(16);
  /** the share as an integer at its own decimals: shareInt / 10^shareDec */
  shareInt: Float64Array = new Float64Array(16);
  shareDec: Int8Array = new Int8Array(16);
  private readonly shareCodes = new Map<bigint, number>();
  /** shares[s] × 10^(12 − dec) for dec 0..12: value = mant × this, scale 24 */
  private readonly shareScaled: bigint[][] = [];

  // ---- grouping, after finish() ----
  /** positions of participant p: start[p] .. start[p + 1] − 1, in calculation order */
  start: Int32Array = new Int32Array(1);
  /** credit row, and its transaction, at each position */
  order: Column = [];
  posTx: Column = [];
  /** date text by rank */
  dateOfRank: string[] = [];
  /** date rank (dates sorted) at each position; period = periodOfRank[rank] */
  posDate: Column = [];
  periodOfRank: Int32Array = new Int32Array(0);
  posMant: Column = [];
  /** share code << 7 | flags << 4 | (dec + 1) */
  posMeta: Column = [];
  /** type code << 16 | product code */
  posTypeProduct: Column = [];
  /** per participant: Σ |amount × share| (a float bound) and the most decimals of amount × share */
  sumAbs: Float64Array = new Float64Array(0);
  valueDecimals: Int8Array = new Int8Array(0);

  constructor(txCapacity = 16, creditCapacity = 16) {
    const t = Math.max(txCapacity, 16);
    const c = Math.max(creditCapacity, 16);
    this.txId = new Array<string>(t);
    this.idHash = intColumn(t);
    this.dateCode = new Int32Array(t);
    this.amountMant = new Float64Array(t);
    this.amountDec = new Int8Array(t);
    this.type = intColumn(t);
    this.product = intColumn(t);
    this.reverses = new Int32Array(t);
    this.reversedLater = new Uint8Array(t);
    this.creditFrom = intColumn(t);
    this.creditLength = intColumn(t);
    this.creditTx = new Int32Array(c);
    this.creditShare = new Int32Array(c);
    this.creditParticipant = intColumn(c);
  }

  /** Code of a type or product name (0 for none); −1 when there are already MAX_NAMES. */
  code(name: string | null): number {
    if (name === null) return 0;
    // few distinct names: a short scan beats hashing each one
    const names = this.names;
    for (let i = 1; i < names.length && i < 9; i++) if (names[i] === name) return i;
    let c = this.nameCodes.get(name);
    if (c === undefined) {
      if (this.names.length > MAX_NAMES) return -1;
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

  /** Code of a date string (repeats a lot); `periodOf` answers the period of a new date. */
  dateCodeOf(date: string, periodOf: (date: string) => number): number {
    // imports mostly arrive in date order: the same date as the last one is common
    if (date === this.dates[this.lastDateCode]) return this.lastDateCode;
    let c = this.dateCodes.get(date);
    if (c === undefined) {
      c = this.dates.length;
      this.dates.push(date);
      this.dateCodes.set(date, c);
      this.periodOfDate.push(periodOf(date));
    }
    this.lastDateCode = c;
    return c;
  }

  date(t: number): string {
    return this.dates[this.dateCode[t]];
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
      this.txKey = intColumn(this.idHash.length);
      this.seq = intColumn(this.idHash.length);
    }
  }

  /** Start a transaction row; the caller fills the rest. */
  addTransaction(id: string, hash: number): number {
    if (this.txCount === this.idHash.length) this.growTransactions();
    const t = this.txCount++;
    this.txId[t] = id;
    this.idHash[t] = hash;
    this.reverses[t] = -1;
    this.creditFrom[t] = this.creditCount;
    return t;
  }

  /** Code of a share (scale 12, in (0, 1]), registered on first sight. */
  shareCode(share: bigint): number {
    let s = this.shareCodes.get(share);
    if (s === undefined) {
      s = this.shares.length;
      this.shares.push(share);
      this.shareCodes.set(share, s);
      this.shareScaled.push(Array.from({ length: 13 }, (_, dec) => share * POW10[12 - dec]));
      if (s === this.shareUnits.length) {
        const grow = <A extends Float64Array | Int8Array>(a: A, make: (n: number) => A): A => {
          const b = make(a.length * 2);
          b.set(a);
          return b;
        };
        this.shareUnits = grow(this.shareUnits, (n) => new Float64Array(n));
        this.shareInt = grow(this.shareInt, (n) => new Float64Array(n));
        this.shareDec = grow(this.shareDec, (n) => new Int8Array(n));
      }
      let dec = 12;
      let int = share;
      while (dec > 0 && int % 10n === 0n) {
        int /= 10n;
        dec--;
      }
      this.shareUnits[s] = Number(share);
      this.shareInt[s] = Number(int);
      this.shareDec[s] = dec;
    }
    return s;
  }

  addCredit(t: number, participant: number, shareCode: number): void {
    if (this.creditCount === this.creditTx.length) this.growCredits();
    const r = this.creditCount++;
    this.creditTx[r] = t;
    this.creditShare[r] = shareCode;
    this.creditParticipant[r] = participant;
    this.creditLength[t]++;
  }

  private readonly valueScales = new Map<number, Float64Array>();

  /**
   * For the fast path at total scale st: share × 10^(st − decimals) by (share code × 13 +
   * amount decimals), so a credit's value at st is one multiplication: mantissa × this.
   * Entries whose decimals exceed st are 0 (never read: the path is only taken when they fit).
   */
  valueScale(st: number): Float64Array {
    let scale = this.valueScales.get(st);
    if (scale === undefined || scale.length < this.shares.length * 13) {
      scale = new Float64Array(this.shares.length * 13);
      for (let s = 0; s < this.shares.length; s++) {
        for (let dec = 0; dec <= 12; dec++) {
          const d = dec + this.shareDec[s];
          scale[s * 13 + dec] = d <= st ? this.shareInt[s] * 10 ** (st - d) : 0;
        }
      }
      this.valueScales.set(st, scale);
    }
    return scale;
  }

  /** amount × share of row r, exact at scale 24. */
  value(r: number): bigint {
    const t = this.creditTx[r];
    const dec = this.amountDec[t];
    const s = this.creditShare[r];
    return dec < 0 ? (this.amountBig.get(t) as bigint) * this.shares[s] : BigInt(this.amountMant[t]) * this.shareScaled[s][dec];
  }

  /** amount × share of the credit at position i (after finish), exact at scale 24. */
  valueAt(i: number): bigint {
    const meta = this.posMeta[i];
    const dec = (meta & META_DEC_MASK) - 1;
    return dec < 0 ? this.value(this.order[i]) : BigInt(this.posMant[i]) * this.shareScaled[meta >>> META_SHARE_SHIFT][dec];
  }

  /**
   * Group the rows by participant in calculation order (date, then document order;
   * for database rows, then `seq`). Rows are placed by one pass that reads them in
   * order and writes each to its participant's next position (random writes cost far
   * less than random reads); a participant whose rows were not in date order is sorted.
   */
  finish(participantCount: number): void {
    const n = this.creditCount;
    const start = new Int32Array(participantCount + 1);
    const participantOf = this.creditParticipant;
    for (let r = 0; r < n; r++) start[participantOf[r] + 1]++;
    for (let p = 0; p < participantCount; p++) start[p + 1] += start[p];
    // dates compare as strings; rank their codes once so everything after compares integers
    const dates = this.dates;
    const byDate = dates.map((_, c) => c).sort((a, b) => (dates[a] < dates[b] ? -1 : dates[a] > dates[b] ? 1 : 0));
    const rankOfCode = new Int32Array(dates.length);
    const periodOfRank = new Int32Array(dates.length);
    byDate.forEach((c, i) => {
      rankOfCode[c] = i;
      periodOfRank[i] = this.periodOfDate[c];
    });
    this.dateOfRank = byDate.map((c) => dates[c]);
    this.periodOfRank = periodOfRank;
    this.start = start;
    this.idsByPosition = null;
    this.order = intColumn(n);
    this.posTx = intColumn(n);
    this.posDate = intColumn(n);
    this.posMant = floatColumn(n);
    this.posMeta = intColumn(n);
    this.posTypeProduct = intColumn(n);
    this.sumAbs = new Float64Array(participantCount);
    this.valueDecimals = new Int8Array(participantCount);
    const seqAt = this.seq === null ? null : intColumn(n);
    this.scatter(start.slice(0, participantCount), rankOfCode, seqAt);
    // imports usually arrive in date order: check before sorting
    const posDate = this.posDate;
    for (let p = 0; p < participantCount; p++) {
      const from = start[p];
      const to = start[p + 1];
      for (let i = from + 1; i < to; i++) {
        if (posDate[i - 1] > posDate[i] || (seqAt !== null && posDate[i - 1] === posDate[i] && seqAt[i - 1] > seqAt[i])) {
          this.sortSlot(from, to, rankOfCode);
          break;
        }
      }
    }
  }

  /**
   * Transactions in row order, each with its credits: every participant's positions
   * follow the document (reversals' credits, added after the pass, land where their
   * transaction is), so a document in date order needs no sort.
   */
  private scatter(fill: Int32Array, rankOfCode: Int32Array, seqAt: Column | null): void {
    const { order, posTx, creditFrom, creditLength, creditShare, creditParticipant, dateCode, type, product, reverses, reversedLater, amountMant, amountDec, seq } = this;
    const { posDate, posMant, posMeta, posTypeProduct, sumAbs, valueDecimals, shareUnits, shareDec } = this;
    for (let t = 0; t < this.txCount; t++) {
      const length = creditLength[t];
      if (length === 0) continue;
      const mant = amountMant[t];
      const dec = amountDec[t];
      const rank = rankOfCode[dateCode[t]];
      const flags = (reverses[t] >= 0 ? POS_REVERSAL : 0) | (reversedLater[t] === 1 ? POS_REVERSED_LATER : 0) | (mant > 0 ? POS_POSITIVE : 0);
      const typeProduct = (type[t] << 16) | product[t];
      const meta = (flags << 4) | (dec + 1);
      const absMant = mant < 0 ? -mant : mant;
      for (let r = creditFrom[t], end = creditFrom[t] + length; r < end; r++) {
        const p = creditParticipant[r];
        const i = fill[p]++;
        const s = creditShare[r];
        order[i] = r;
        posTx[i] = t;
        posDate[i] = rank;
        posMant[i] = mant;
        posMeta[i] = (s << META_SHARE_SHIFT) | meta;
        posTypeProduct[i] = typeProduct;
        if (seqAt !== null) seqAt[i] = (seq as Column)[t];
        // a bound of every running total (the fast path checks it); big amounts force the exact path
        if (dec < 0) valueDecimals[p] = 127;
        else {
          sumAbs[p] += absMant * shareUnits[s] * SCALE_DOWN[dec];
          const d = dec + shareDec[s];
          if (d > valueDecimals[p]) valueDecimals[p] = d;
        }
      }
    }
  }

  /** Sort one participant's positions (date, then document order / seq) and re-read their columns. */
  private sortSlot(from: number, to: number, rankOfCode: Int32Array): void {
    const { creditTx, dateCode, seq } = this;
    const rows = this.order.slice(from, to);
    rows.sort((a, b) => {
      const ta = creditTx[a];
      const tb = creditTx[b];
      const ra = rankOfCode[dateCode[ta]];
      const rb = rankOfCode[dateCode[tb]];
      if (ra !== rb) return ra - rb;
      return seq === null ? ta - tb || a - b : seq[ta] - seq[tb] || a - b;
    });
    const copy = (col: Column): void => {
      const byRow = new Map<number, number>();
      for (let i = from; i < to; i++) byRow.set(this.order[i], col[i]);
      for (let i = from; i < to; i++) col[i] = byRow.get(rows[i - from]) as number;
    };
    copy(this.posDate);
    copy(this.posMant);
    copy(this.posMeta);
    copy(this.posTypeProduct);
    copy(this.posTx);
    for (let i = from; i < to; i++) this.order[i] = rows[i - from];
  }

  private idsByPosition: string[] | null = null;

  /**
   * The transaction id at each position, gathered on first use: explanations read it line
   * after line, and read by row it is a cache miss each (a participant's transactions are
   * spread over the document); gathered in one tight loop the misses overlap.
   */
  txIdAt(): string[] {
    let ids = this.idsByPosition;
    if (ids === null) {
      const { posTx, txId } = this;
      const n = posTx.length;
      ids = new Array<string>(n);
      for (let i = 0; i < n; i++) ids[i] = txId[posTx[i]];
      this.idsByPosition = ids;
    }
    return ids;
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
    const size = this.idHash.length * 2;
    const typed = <A extends Int32Array | Float64Array | Int8Array | Uint8Array>(a: A, make: (n: number) => A): A => {
      const b = make(size);
      b.set(a);
      return b;
    };
    if (this.txKey !== null) this.txKey = grownColumn(this.txKey, size, false);
    if (this.seq !== null) this.seq = grownColumn(this.seq, size, false);
    this.idHash = grownColumn(this.idHash, size, false);
    this.dateCode = typed(this.dateCode, (n) => new Int32Array(n));
    this.amountMant = typed(this.amountMant, (n) => new Float64Array(n));
    this.amountDec = typed(this.amountDec, (n) => new Int8Array(n));
    this.type = grownColumn(this.type, size, false);
    this.product = grownColumn(this.product, size, false);
    this.reverses = typed(this.reverses, (n) => new Int32Array(n));
    this.reversedLater = typed(this.reversedLater, (n) => new Uint8Array(n));
    this.creditFrom = grownColumn(this.creditFrom, size, false);
    this.creditLength = grownColumn(this.creditLength, size, false);
  }

  private growCredits(): void {
    const size = this.creditTx.length * 2;
    const typed = (a: Int32Array): Int32Array => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.creditTx = typed(this.creditTx);
    this.creditShare = typed(this.creditShare);
    this.creditParticipant = grownColumn(this.creditParticipant, size, false);
  }
}

/** 10^−(dec + 12) for dec 0..12: mantissa × share units to currency, as a float (for a bound only). */
const SCALE_DOWN: readonly number[] = Array.from({ length: 13 }, (_, dec) => 10 ** -(dec + 12));

/** FNV-1a of a string, folded with a check for characters no text may hold (−0 hash never occurs). */
export function hashId(s: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193);
  return h | 0;
}

/**
 * Rows sorted by id hash (stable: equal hashes keep row order), by two 16-bit radix
 * passes: sequential reads, and writes into 65,536 buckets. A hash table of a million
 * ids costs a cache miss per insert; this costs a few milliseconds.
 */
export function rowsByHash(hashes: Column, count: number): Column {
  const a = intColumn(count);
  const b = intColumn(count);
  const counts = new Int32Array(65537);
  for (let i = 0; i < count; i++) counts[(hashes[i] & 0xffff) + 1]++;
  for (let k = 0; k < 65536; k++) counts[k + 1] += counts[k];
  for (let i = 0; i < count; i++) b[counts[hashes[i] & 0xffff]++] = i;
  counts.fill(0);
  for (let i = 0; i < count; i++) counts[(hashes[i] >>> 16) + 1]++;
  for (let k = 0; k < 65536; k++) counts[k + 1] += counts[k];
  for (let i = 0; i < count; i++) {
    const row = b[i];
    a[counts[hashes[row] >>> 16]++] = row;
  }
  return a;
}

/** First index in `sorted` (rows by hash) whose row's hash is ≥ h (as unsigned). */
export function lowerBound(sorted: Column, hashes: Column, h: number): number {
  let lo = 0;
  let hi = sorted.length;
  const key = h >>> 0;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (hashes[sorted[mid]] >>> 0 < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
