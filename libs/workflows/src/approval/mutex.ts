/**
 * A mutual-exclusion lock for workflow code: handlers that run activities (an Update doing I/O,
 * the main loop carrying out effects) take turns, in the order they asked. Deterministic: it is
 * plain promise chaining, so replay takes the same turns.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  /** Runs `fn` once every earlier holder has finished (successfully or not). */
  runExclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}
