/**
 * A story told as a sequence of tests (one `it` per stage, in one `describe`): what an earlier
 * stage leaves for a later one is kept in the describe's variables, and a later stage takes it
 * through `fromStage`. When the earlier stage failed, the later one fails at once, naming the
 * stage it needed, instead of waiting for minutes on a workflow that will never get there.
 */
export function fromStage<T>(value: T | undefined | null, stage: string): T {
  if (value === undefined || value === null) throw new Error(`needs "${stage}" from an earlier test of this file, which did not finish`);
  return value;
}
