/**
 * Renders a rep's commission statement (pdfkit): header, summary, each component with its
 * explanation lines, and a paragraph of how the payout was reached. Deterministic: fixed metadata
 * (the close's time), so the same payout gives the same bytes and the same SHA-256.
 */
import { createHash } from 'node:crypto';
import { createPdfDocument } from '../documents/pdf-fonts';
import { decCmp, decIsZero, decSub, decSum, explainLine, formatMoney, formatPercent, type ParticipantPeriodOutput, type SnapshotAdjustment } from '@quotaflow/domain';

export interface StatementFacts {
  companyName: string;
  currency: string;
  repName: string;
  title: string | null;
  managerName: string | null;
  planName: string;
  periodKey: string;
  periodStart: string;
  periodEnd: string;
  calculationVersion: number;
  quota: string | null;
  result: ParticipantPeriodOutput;
  issuedAt: Date;
  payoutId: string;
  /** The rep's adjustments of this close with what they refer to (prior-period adjustments, carried balances). */
  adjustments: SnapshotAdjustment[];
  /**
   * The calendar year so far, this period included: what was paid. A negative payout pays nothing
   * (its balance is recovered from a later payout, so counting it too would take it off twice).
   */
  yearToDate: { paid: string };
}

export interface RenderedStatement {
  pdf: Buffer;
  sha256: string;
  pages: number;
}

/** What the period pays: the payout, or nothing when it is negative (that balance is carried forward). */
export function paidOf(payout: string): string {
  return decCmp(payout, '0') < 0 ? '0.00' : payout;
}

/** The plain-words paragraph: how the payout was reached. */
export function howItWasReached(f: Pick<StatementFacts, 'currency' | 'result' | 'adjustments'>): string {
  const r = f.result;
  const money = (v: string) => `${f.currency} ${formatMoney(v)}`;
  const parts = r.components.map((c) => `${c.id} ${money(c.amount)}`);
  const componentTotal = decSum(r.components.map((c) => c.amount));
  let text = `Your components earned ${parts.length > 0 ? parts.join(', ') : 'nothing'}, ${money(componentTotal)} in all`;
  const prior = f.adjustments.filter((a) => a.kind === 'prior-period');
  const carried = f.adjustments.filter((a) => a.kind === 'carried-balance');
  if (!decIsZero(r.adjustments)) {
    const why: string[] = [];
    if (prior.length > 0) why.push(`${money(decSum(prior.map((a) => a.amount)))} for ${prior.length === 1 ? 'a deal' : `${prior.length} deals`} of an earlier, closed period, paid as that period's plan would have paid ${prior.length === 1 ? 'it' : 'them'}`);
    for (const a of carried) why.push(`${money(a.amount)} of the negative balance carried from ${a.fromPeriodKey}`);
    text += `; adjustments of ${money(r.adjustments)}${why.length > 0 ? ` (${why.join('; ')})` : ''} bring your earnings to ${money(r.earnings)}`;
  }
  if (!decIsZero(r.draw)) text += `; a draw added ${money(r.draw)}`;
  if (!decIsZero(r.recovery)) text += `; ${money(r.recovery)} of an earlier draw was recovered`;
  text += `. Your payout for the period is ${money(r.payout)}.`;
  if (r.payout.startsWith('-')) text += ' A negative payout is not deducted from your pay: nothing is paid this period, and the balance is carried forward and recovered from your next earnings.';
  return text;
}

export async function renderStatementPdf(f: StatementFacts): Promise<RenderedStatement> {
  const doc = createPdfDocument({
    size: 'A4',
    margin: 56,
    bufferPages: true,
    info: {
      Title: `Commission statement ${f.periodKey} — ${f.repName}`,
      Author: 'Quotaflow',
      Subject: `Commission statement for ${f.periodKey}, calculation version ${f.calculationVersion}`,
      Keywords: `payout:${f.payoutId}`,
      Creator: 'Quotaflow',
      Producer: 'Quotaflow',
      CreationDate: f.issuedAt,
      ModDate: f.issuedAt,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const r = f.result;
  const money = (v: string) => `${f.currency} ${formatMoney(v)}`;

  doc.font('Helvetica').fontSize(10).fillColor('#555555').text(f.companyName);
  doc.fillColor('#000000').font('Helvetica-Bold').fontSize(18).text(`Commission statement ${f.periodKey}`);
  doc.moveDown(0.3).font('Helvetica').fontSize(11);
  doc.text(`Rep: ${f.repName}${f.title ? `, ${f.title}` : ''}`);
  doc.text(`Manager: ${f.managerName ?? 'none'}`);
  doc.text(`Plan: ${f.planName}`);
  doc.text(`Period: ${f.periodKey}, from ${f.periodStart} to ${f.periodEnd}`);
  doc.text(`Currency: ${f.currency}`);
  doc.text(`Calculation version: ${f.calculationVersion}`);

  doc.moveDown(1).font('Helvetica-Bold').fontSize(13).text('Summary');
  doc.font('Helvetica').fontSize(11);
  const attainment = r.components.find((c) => c.attainment !== undefined)?.attainment;
  const summary: [string, string][] = [
    // The plan language's earnings include the adjustments (§4): show what the components earned first.
    ['Components', money(decSub(r.earnings, r.adjustments))],
    ['Adjustments', money(r.adjustments)],
    ['Earnings (components and adjustments)', money(r.earnings)],
    ['Draw', money(r.draw)],
    ['Recovery', money(r.recovery)],
    ['Payout', money(r.payout)],
    ['Paid this period', decCmp(r.payout, '0') < 0 ? `${money('0.00')} (the negative balance is carried forward)` : money(r.payout)],
    ['Paid year to date', money(f.yearToDate.paid)],
    ['Quota', f.quota !== null ? money(f.quota) : 'none'],
    ['Attainment', attainment !== undefined ? formatPercent(attainment) : 'not measured'],
  ];
  for (const [label, value] of summary) doc.text(`${label}: ${value}`);

  for (const c of r.components) {
    doc.moveDown(1).font('Helvetica-Bold').fontSize(13).text(`${c.id} (${c.kind}${c.deduction ? ', deduction' : ''}): ${money(c.amount)}`);
    doc.font('Helvetica').fontSize(10);
    if (c.attainment !== undefined) doc.text(`Attainment ${formatPercent(c.attainment)}${c.multiplier !== undefined ? `, multiplier ${c.multiplier}` : ''}`);
    if (c.lines.length === 0) doc.text('No credited deals in the period.');
    for (const line of c.lines) doc.moveDown(0.2).text(`• ${explainLine(line, f.currency)}`, { indent: 10 });
  }
  const prior = f.adjustments.filter((a) => a.kind === 'prior-period');
  if (prior.length > 0) {
    doc.moveDown(1).font('Helvetica-Bold').fontSize(13).text('Prior-period adjustments');
    doc.font('Helvetica').fontSize(10).text('Deals that arrived or changed after their period closed. The closed period is never changed: each is paid here as its own period\'s plan would have paid it.');
    for (const a of prior) {
      const deal = a.cancels !== undefined ? `Deal ${a.cancels} of ${a.fromPeriodKey}, cancelled by ${a.transactionId}` : `Deal ${a.transactionId} of ${a.fromPeriodKey}${a.removed ? ', no longer counted' : ''}`;
      doc.moveDown(0.4).font('Helvetica-Bold').text(`${deal}: ${money(a.amount)}`);
      doc.font('Helvetica').text(`${a.fromPeriodKey} earnings restated from ${money(a.before ?? '0')} to ${money(a.after ?? '0')}.`, { indent: 10 });
      for (const line of a.lines ?? []) doc.moveDown(0.2).text(`• ${explainLine(line, f.currency)}`, { indent: 10 });
      if (a.removed) doc.text('• The deal no longer counts in that period: what it earned there is taken back.', { indent: 10 });
    }
  }
  if (r.lines.length > 0) {
    doc.moveDown(1).font('Helvetica-Bold').fontSize(13).text('Adjustments, draw and recovery');
    doc.font('Helvetica').fontSize(10);
    for (const line of r.lines) doc.moveDown(0.2).text(`• ${explainLine(line, f.currency)}`, { indent: 10 });
  }

  doc.moveDown(1).font('Helvetica-Bold').fontSize(13).text('How your payout was reached');
  doc.font('Helvetica').fontSize(11).text(howItWasReached(f));
  doc.moveDown(1).fontSize(8).fillColor('#555555').text(`Payout ${f.payoutId}`);

  const pages = doc.bufferedPageRange().count;
  for (let i = 0; i < pages; i++) {
    doc.switchToPage(i);
    doc.fontSize(8).fillColor('#555555').text(`Page ${i + 1} of ${pages}`, 56, doc.page.height - 40, { lineBreak: false });
  }
  doc.end();
  const pdf = await done;
  return { pdf, sha256: createHash('sha256').update(pdf).digest('hex'), pages };
}
