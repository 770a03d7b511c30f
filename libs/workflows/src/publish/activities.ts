// Activity interfaces of the publish workflow (types only: the worker implements them).
export interface PublishPosition {
  publishId: string;
  workflowId: string;
  runId: string;
  at: string;
}

export interface StartAcceptanceBatchInput {
  publishId: string;
  offset: number;
  limit: number;
}

export interface PublishActivities {
  /** The publish is running; how many assignments it starts. */
  beginPublish(input: PublishPosition): Promise<{ assignments: number }>;
  /** Starts the acceptance workflows of one batch (a running one is left alone) and supersedes older pending versions. */
  startAcceptanceBatch(input: StartAcceptanceBatchInput): Promise<{ started: number; superseded: number }>;
  finishPublish(input: PublishPosition & { started: number }): Promise<void>;
}
