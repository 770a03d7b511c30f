/**
 * Renders the plan document a rep accepts (pdfkit). Deterministic: fixed metadata and dates
 * from the assignment, no compression timestamps, so the same inputs give the same bytes and
 * the same SHA-256 (the hash the rep signs).
 */
import { createHash } from 'node:crypto';
import { createPdfDocument } from '../documents/pdf-fonts';
import { ACCEPTANCE_TERMS, describePlan, formatAmount, type TextTable } from '@quotaflow/domain/plan-text';
import type { PlanInput } from '@quotaflow/domain';

export interface PlanDocumentFacts {
  assignmentId: string;
  companyName: string;
  /** ISO 4217 code every amount of the plan is in. */
  currency: string;
  repName: string;
  planName: string;
  planKey: string;
  version: number;
  periodLabel: string;
  effectiveFrom: string;
  effectiveTo: string;
  quota: string | null;
  publishedAt: Date;
  /** The date the rep must answer by, or the days they have once the invite reaches them. */
  acceptBy: { date: string } | { days: number };
  plan: PlanInput;
  /** Hash of the plan version's canonical JSON: the plan rules fingerprint printed here and recorded with the acceptance. */
  planVersionHash: string;
}

export interface RenderedPlanDocument {
  pdf: Buffer;
  sha256: string;
  pages: number;
}

export async function renderPlanPdf(facts: PlanDocumentFacts): Promise<RenderedPlanDocument> {
  const doc = createPdfDocument({
    size: 'A4',
    margin: 56,
    bufferPages: true,
    info: {
      Title: `${facts.planName} v${facts.version} — ${facts.repName}`,
      Author: 'Quotaflow',
      Subject: `Compensation plan ${facts.planKey} v${facts.version} for ${facts.periodLabel}`,
      Keywords: `plan-assignment:${facts.assignmentId}`,
      Creator: 'Quotaflow',
      Producer: 'Quotaflow',
      CreationDate: facts.publishedAt,
      ModDate: facts.publishedAt,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const description = describePlan(facts.plan, { currency: facts.currency });
  doc.font('Helvetica').fontSize(10).fillColor('#555555').text(facts.companyName);
  doc.fillColor('#000000').font('Helvetica-Bold').fontSize(18).text(`${facts.planName} (version ${facts.version})`);
  doc.moveDown(0.3).font('Helvetica').fontSize(11);
  doc.text(`Prepared for: ${facts.repName}`);
  doc.text(`Period: ${facts.periodLabel}, from ${facts.effectiveFrom} to ${facts.effectiveTo}`);
  doc.text(`Currency: every amount in this plan is in ${facts.currency}`);
  doc.text(`Your quota: ${facts.quota !== null ? formatAmount(facts.quota, facts.currency) : 'this plan sets no quota for you'}`);
  doc.text(`Published: ${facts.publishedAt.toISOString().slice(0, 10)}`);
  doc.text(
    'date' in facts.acceptBy
      ? `Please accept or decline by: ${facts.acceptBy.date}`
      : `Please accept or decline within ${facts.acceptBy.days} days of receiving the invitation`,
  );

  for (const c of description.components) {
    doc.moveDown(1).font('Helvetica-Bold').fontSize(13).text(c.heading);
    doc.moveDown(0.3).font('Helvetica').fontSize(11).text(`${c.summary}.`);
    for (const line of c.details) doc.moveDown(0.2).text(`• ${line}`, { indent: 10 });
    if (c.table) drawTable(doc, c.table);
    if (c.multiplierTable) drawTable(doc, c.multiplierTable);
  }

  doc.moveDown(1).font('Helvetica-Bold').fontSize(13).text('Other terms');
  doc.font('Helvetica').fontSize(11);
  for (const term of description.terms) doc.moveDown(0.2).text(`• ${term}`, { indent: 10 });

  doc.moveDown(1).font('Helvetica-Bold').fontSize(13).text('Terms of acceptance');
  doc.font('Helvetica').fontSize(11);
  for (const term of ACCEPTANCE_TERMS) doc.moveDown(0.2).text(`• ${term}`, { indent: 10 });
  doc.moveDown(1).fontSize(8).fillColor('#555555');
  doc.text(`Plan rules fingerprint (SHA-256 of the plan version's rules, recorded with your acceptance): ${facts.planVersionHash}`);
  doc.text(`Assignment ${facts.assignmentId}`);

  const pages = doc.bufferedPageRange().count;
  for (let i = 0; i < pages; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.height - 40;
    doc.fontSize(8).fillColor('#555555').text(`Page ${i + 1} of ${pages}`, 56, bottom, { lineBreak: false });
  }
  doc.end();
  const pdf = await done;
  return { pdf, sha256: createHash('sha256').update(pdf).digest('hex'), pages };
}

function drawTable(doc: PDFKit.PDFDocument, table: TextTable): void {
  const x = doc.page.margins.left + 10;
  const widths = table.columns.map((_, i) => (i === 0 ? 260 : 120));
  doc.moveDown(0.5);
  const row = (cells: string[], bold: boolean) => {
    if (doc.y > doc.page.height - doc.page.margins.bottom - 40) doc.addPage();
    const y = doc.y;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(10);
    let cx = x;
    cells.forEach((cell, i) => {
      doc.text(cell, cx, y, { width: widths[i] - 8 });
      cx += widths[i];
    });
    doc.x = x;
    doc.moveDown(0.2);
  };
  row(table.columns, true);
  for (const r of table.rows) row(r, false);
  doc.x = doc.page.margins.left;
}
