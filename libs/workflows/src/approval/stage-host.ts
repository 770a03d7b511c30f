/** What a stage extension (an Update beyond `decide`) needs of the kernel hosting its stage. */
export interface StageHost {
  /** A request is in review here. */
  readonly isOpen: boolean;
  /** `actorId` is one of the approvers of stage `stageId` (open or not). */
  isApproverOf(actorId: string, stageId: string): boolean;
  /** The open stage `stageId` waits for `actorId`. */
  isOpenFor(actorId: string, stageId: string): boolean;
  /** Takes its turn with the kernel's main loop (handlers that run activities). */
  runExclusive<T>(fn: () => Promise<T>): Promise<T>;
}
