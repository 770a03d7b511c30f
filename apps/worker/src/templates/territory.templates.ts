// Emails of territory changes beyond the kernel's: returned, cancelled, applied.
import { day, type Message, whereToRead } from './message';

export interface TerritoryChangeFacts {
  changeId: string;
  from: string;
  to: string;
  accounts: number;
  revenueMoved?: string;
  effectiveDate: string;
  baseUrl: string;
}

export function territorySummary(f: TerritoryChangeFacts): string {
  const revenue = f.revenueMoved ? `, trailing revenue moved ${f.revenueMoved}` : '';
  return `Territory change ${f.from} → ${f.to}: ${f.accounts} account${f.accounts === 1 ? '' : 's'}${revenue}, effective ${day(f.effectiveDate)}`;
}

export function territoryReturned(f: TerritoryChangeFacts & { recipientName: string; reason: string }): Message {
  return {
    subject: `Territory change ${f.from} → ${f.to} returned`,
    paragraphs: [`Hello ${f.recipientName},`, `your territory change ${f.from} → ${f.to} came back to you: ${f.reason}`, 'File a new request if the change is still wanted.', whereToRead(f.baseUrl, `/api/v1/territory-changes/${f.changeId}`)],
  };
}

export function territoryCancelled(f: TerritoryChangeFacts & { recipientName: string; by: string; comment?: string }): Message {
  return {
    subject: `Territory change ${f.from} → ${f.to} cancelled`,
    paragraphs: [`Hello ${f.recipientName},`, `${f.by} cancelled the territory change ${f.from} → ${f.to}.${f.comment ? ` Comment: "${f.comment}"` : ''}`, whereToRead(f.baseUrl, `/api/v1/territory-changes/${f.changeId}`)],
  };
}

export function territoryApplied(f: TerritoryChangeFacts & { recipientName: string }): Message {
  return {
    subject: `Territory change ${f.from} → ${f.to} applied`,
    paragraphs: [
      `Hello ${f.recipientName},`,
      `from ${day(f.effectiveDate)}, ${f.accounts} account${f.accounts === 1 ? '' : 's'} belong to ${f.to}; their credits go to the new owner from that day.`,
      whereToRead(f.baseUrl, `/api/v1/territory-changes/${f.changeId}`),
    ],
  };
}
