/**
 * Lookups by key asked for in the same turn of the event loop go to the database together, as one
 * query for all their keys (a burst of 50 requests reads its 50 bearers in one statement instead
 * of 50 queued on the pool). A lone lookup waits only until the end of the current turn.
 * Every caller gets the value of its own key, or undefined when the query found none; when the
 * query fails, every caller of that batch gets the failure.
 */
export class BatchedLookup<V> {
  private pending = new Map<string, Array<{ resolve: (value: V | undefined) => void; reject: (error: unknown) => void }>>();
  private scheduled = false;

  constructor(
    private readonly load: (keys: string[]) => Promise<ReadonlyMap<string, V>>,
    private readonly maxBatch = 500,
  ) {}

  get(key: string): Promise<V | undefined> {
    return new Promise<V | undefined>((resolve, reject) => {
      const waiting = this.pending.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else this.pending.set(key, [{ resolve, reject }]);
      if (this.pending.size >= this.maxBatch) {
        this.flush();
      } else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  private flush(): void {
    const batch = this.pending;
    if (batch.size === 0) return;
    this.pending = new Map();
    let loading: Promise<ReadonlyMap<string, V>>;
    try {
      loading = this.load([...batch.keys()]);
    } catch (error) {
      loading = Promise.reject(error);
    }
    loading.then(
      (found) => {
        for (const [key, waiting] of batch) for (const w of waiting) w.resolve(found.get(key));
      },
      (error: unknown) => {
        for (const waiting of batch.values()) for (const w of waiting) w.reject(error);
      },
    );
  }
}
