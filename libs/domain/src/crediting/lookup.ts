// Finding the record a value names: by one of several keys, refusing ambiguity, with suggestions.
import { SpellingIndex } from './suggest';

export type LookupResult<T> =
  | { kind: 'found'; record: T }
  | { kind: 'ambiguous'; records: T[] }
  | { kind: 'missing'; suggestions: string[] };

interface KeySpec<T> {
  /** The key of a record under this name (undefined: none). */
  of: (record: T) => string | null | undefined;
  /** Compare in lower case. */
  caseInsensitive?: boolean;
}

/** An index of records by several keys, tried in order (e.g. email, then employee id, then full name). */
export class Lookup<T> {
  private readonly maps: Array<Map<string, T[]>>;
  private readonly spelling = new SpellingIndex();

  constructor(records: Iterable<T>, private readonly keys: ReadonlyArray<KeySpec<T>>, private readonly display: (record: T) => string) {
    this.maps = keys.map(() => new Map());
    for (const r of records) this.add(r);
  }

  add(record: T): void {
    this.keys.forEach((k, i) => {
      const raw = k.of(record);
      if (raw === null || raw === undefined || raw === '') return;
      const key = k.caseInsensitive ? raw.toLowerCase() : raw;
      const list = this.maps[i]!.get(key);
      if (list) list.push(record);
      else this.maps[i]!.set(key, [record]);
    });
    this.spelling.add(this.display(record));
  }

  find(value: string): LookupResult<T> {
    for (let i = 0; i < this.keys.length; i++) {
      const list = this.maps[i]!.get(this.keys[i]!.caseInsensitive ? value.toLowerCase() : value);
      if (!list || list.length === 0) continue;
      return list.length === 1 ? { kind: 'found', record: list[0]! } : { kind: 'ambiguous', records: list };
    }
    return { kind: 'missing', suggestions: this.spelling.suggest(value) };
  }
}
