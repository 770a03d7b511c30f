// "Did you mean …?" by normalised spelling: case, accents, spaces and punctuation do not count.
// A suggestion is only ever shown to a person; nothing is substituted automatically.

/** Lower case, accents removed, only letters and digits kept: "Edge-Plus" and "edge plus" → "edgeplus". */
export function normaliseSpelling(value: string): string {
  return value.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/** Edit distance, giving up (returning max + 1) once it exceeds `max`. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      row.push(v);
      if (v < best) best = v;
    }
    if (best > max) return max + 1;
    prev = row;
  }
  return prev[b.length]!;
}

/** Index of known names for suggestions. */
export class SpellingIndex {
  private readonly byKey = new Map<string, string[]>();

  constructor(names: Iterable<string> = []) {
    for (const name of names) this.add(name);
  }

  add(name: string): void {
    const key = normaliseSpelling(name);
    if (!key) return;
    const list = this.byKey.get(key);
    if (!list) this.byKey.set(key, [name]);
    else if (!list.includes(name)) list.push(name);
  }

  /**
   * The known names that match `value` once normalised; failing that, those within a small edit
   * distance (1 per 5 characters, at most 2) when the index is small enough to search.
   */
  suggest(value: string, limit = 3): string[] {
    const key = normaliseSpelling(value);
    if (!key) return [];
    const same = this.byKey.get(key);
    if (same) return same.filter((n) => n !== value).slice(0, limit);
    if (this.byKey.size > 20_000) return [];
    const max = Math.min(2, Math.max(1, Math.floor(key.length / 5)));
    const near: Array<{ name: string; d: number }> = [];
    for (const [k, names] of this.byKey) {
      const d = distance(key, k, max);
      if (d <= max) for (const name of names) near.push({ name, d });
    }
    return near.sort((x, y) => x.d - y.d || x.name.localeCompare(y.name)).slice(0, limit).map((n) => n.name);
  }
}

/** "; did you mean `A` or `B`?" or "". */
export function didYouMean(suggestions: readonly string[]): string {
  if (suggestions.length === 0) return '';
  const quoted = suggestions.map((s) => `\`${s}\``);
  return `; did you mean ${quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`}?`;
}
