// Emails of the approval kernel: a stage waits for someone, a reminder, an escalation, a missed
// deadline. The subject handler supplies what the request is (`summary`, one sentence); the
// stage's label says what is asked of this person. Each sentence names the stage once.
import { day, howToDecide, names, type Message } from './message';

export interface TaskFacts {
  personName: string;
  summary: string;
  stageLabel: string;
  decisions: readonly string[];
  deadline?: string;
  taskId: string;
  baseUrl: string;
  /** The request came back to this stage: who sent it back, from which stage, why. */
  returnedBy?: { name: string; stageLabel: string; comment?: string };
  /** A sentence of the subject's own (e.g. "Your quota for 2026-Q1 is USD 300,000.00."). */
  detail?: string;
}

export function taskRequest(f: TaskFacts): Message {
  const by = f.deadline ? ` by ${day(f.deadline)}` : '';
  const back = f.returnedBy
    ? [`It came back to you: ${f.returnedBy.name} rejected it at "${f.returnedBy.stageLabel}"${f.returnedBy.comment ? ` and wrote: "${f.returnedBy.comment}"` : ''}. Please decide again.`]
    : [];
  return {
    subject: `${f.returnedBy ? 'Back with you' : 'Waiting for you'}: ${f.summary} — ${f.stageLabel}`,
    paragraphs: [
      `Hello ${f.personName},`,
      `${f.summary}.`,
      ...(f.detail ? [f.detail] : []),
      `Your step is "${f.stageLabel}"${by}.`,
      ...back,
      howToDecide(f.baseUrl, f.taskId, f.decisions),
    ],
  };
}

export function taskReminder(f: TaskFacts & { reminder: number }): Message {
  const by = f.deadline ? ` The deadline is ${day(f.deadline)}.` : '';
  return {
    subject: `Reminder ${f.reminder}: ${f.summary} — ${f.stageLabel}`,
    paragraphs: [
      `Hello ${f.personName},`,
      `${f.summary} still waits for your decision ("${f.stageLabel}").${by}`,
      ...(f.detail ? [f.detail] : []),
      howToDecide(f.baseUrl, f.taskId, f.decisions),
    ],
  };
}

export interface EscalationFacts {
  personName: string;
  summary: string;
  stageLabel: string;
  waitingFor: string[];
  days?: number;
  reference: string;
}

export function taskEscalation(f: EscalationFacts): Message {
  const since = f.days !== undefined ? ` for ${f.days} day${f.days === 1 ? '' : 's'}` : '';
  return {
    subject: `Overdue: ${f.stageLabel}`,
    paragraphs: [
      `Hello ${f.personName},`,
      `${f.summary} has waited${since} for ${names(f.waitingFor)} ("${f.stageLabel}") without a decision.`,
      'Please follow up with them.',
      f.reference,
    ],
  };
}

export function deadlineFlagged(f: EscalationFacts): Message {
  return {
    subject: `Deadline passed: ${f.stageLabel}`,
    paragraphs: [
      `Hello ${f.personName},`,
      `${f.summary}: the deadline of "${f.stageLabel}" passed without a decision from ${names(f.waitingFor)}.`,
      'The request goes on without it and is flagged, so finance and the auditors see that this step was missed.',
      f.reference,
    ],
  };
}
