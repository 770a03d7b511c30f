/**
 * How large a workflow's history is, as Temporal itself counts it (events and bytes from
 * DescribeWorkflowExecution: the figures its limits of 51,200 events and 50 MB apply to), for a
 * workflow and every child it started, with the largest single payload found in their events.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export interface HistorySize {
  workflowId: string;
  type: string;
  events: number;
  bytes: number;
  /** The largest payload (encoded, as stored) in any event of this history. */
  largestPayloadBytes: number;
  /** Where it is: the event's type and the workflow's type (e.g. `ActivityTaskCompleted in approvalStepWorkflow`). */
  largestPayloadAt: string;
  status: string;
}

/** `EVENT_TYPE_ACTIVITY_TASK_COMPLETED` (or its number) as `ActivityTaskCompleted`. */
function eventTypeName(type: unknown): string {
  const name = typeof type === 'number' ? temporal.api.enums.v1.EventType[type] ?? String(type) : String(type ?? '');
  return name.replace(/^EVENT_TYPE_/, '').toLowerCase().replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

/** The largest `data` byte string under `value` (payloads are `{ metadata, data }`). */
function largestData(value: unknown, depth = 0): number {
  if (value === null || typeof value !== 'object' || depth > 40) return 0;
  if (value instanceof Uint8Array) return 0;
  let max = 0;
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'data' && inner instanceof Uint8Array) max = Math.max(max, inner.byteLength);
    else if (inner !== null && typeof inner === 'object') max = Math.max(max, largestData(inner, depth + 1));
  }
  return max;
}

/** The workflow `workflowId` and, recursively, every child workflow it started (each once). */
export async function historyTree(client: Client, workflowId: string): Promise<HistorySize[]> {
  const out: HistorySize[] = [];
  const seen = new Set<string>();
  const queue = [workflowId];
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const handle = client.workflow.getHandle(id);
    const [description, history] = await Promise.all([handle.describe(), handle.fetchHistory()]);
    let largestPayloadBytes = 0;
    let largestPayloadAt = '';
    for (const event of history.events ?? []) {
      const bytes = largestData(event);
      if (bytes > largestPayloadBytes) {
        largestPayloadBytes = bytes;
        largestPayloadAt = `${eventTypeName(event.eventType)} in ${description.type}`;
      }
      const child = event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
      if (child) queue.push(child);
    }
    out.push({
      workflowId: id,
      type: description.type,
      events: description.historyLength,
      bytes: description.historySize ?? 0,
      largestPayloadBytes,
      largestPayloadAt,
      status: description.status.name,
    });
  }
  return out;
}

export interface HistorySummary {
  workflows: number;
  totalEvents: number;
  totalBytes: number;
  largest: { events: HistorySize; bytes: HistorySize; payload: HistorySize } | undefined;
}

export function summarise(sizes: readonly HistorySize[]): HistorySummary {
  if (sizes.length === 0) return { workflows: 0, totalEvents: 0, totalBytes: 0, largest: undefined };
  const by = (f: (s: HistorySize) => number) => sizes.reduce((a, b) => (f(b) > f(a) ? b : a));
  return {
    workflows: sizes.length,
    totalEvents: sizes.reduce((n, s) => n + s.events, 0),
    totalBytes: sizes.reduce((n, s) => n + s.bytes, 0),
    largest: { events: by((s) => s.events), bytes: by((s) => s.bytes), payload: by((s) => s.largestPayloadBytes) },
  };
}
