import PDFDocument from 'pdfkit';
import { createPdfDocument, shareStandardFontMetrics } from './pdf-fonts';

const FONTS = ['Helvetica', 'Helvetica-Bold', 'Helvetica-Oblique', 'Times-Roman', 'Courier'];
const TEXTS = ['AVAWAY To Ty', 'Commission statement 2026-11 — Emma Reyes', 'Tier 2: 1,234.50 × 0.08 = 98.76'];
const CREATED = new Date('2026-11-30T12:00:00Z');

function widths(doc: PDFKit.PDFDocument): number[] {
  return FONTS.flatMap((font) => TEXTS.map((text) => doc.font(font).fontSize(11).widthOfString(text)));
}

async function draw(doc: PDFKit.PDFDocument): Promise<Buffer> {
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve) => doc.on('end', () => resolve()));
  for (const font of FONTS) doc.font(font).fontSize(11).text(TEXTS.join(' '), { width: 300 });
  doc.end();
  await done;
  return Buffer.concat(chunks);
}

const kernPairsOf = (doc: PDFKit.PDFDocument): unknown => (doc as unknown as { _font: { font: { kernPairs: unknown } } })._font.font.kernPairs;

describe('shared standard font metrics', () => {
  // This file's own pdfkit module: the documents created before the memo parse their own metrics.
  const before = new PDFDocument({ info: { CreationDate: CREATED } });
  const beforeWidths = widths(before);
  const beforeBytes = draw(new PDFDocument({ info: { CreationDate: CREATED } }));

  beforeAll(() => shareStandardFontMetrics());

  it('measures every string exactly as pdfkit’s own parse does', () => {
    expect(widths(createPdfDocument({}))).toEqual(beforeWidths);
    expect(widths(createPdfDocument({}))).toEqual(beforeWidths);
  });

  it('renders byte-identical documents', async () => {
    const after = await draw(createPdfDocument({ info: { CreationDate: CREATED } }));
    expect(after.equals(await beforeBytes)).toBe(true);
  });

  it('shares one parsed table between documents (parsed once)', () => {
    const a = createPdfDocument({}).font('Helvetica-Bold');
    const b = createPdfDocument({}).font('Helvetica-Bold');
    expect(kernPairsOf(a)).toBe(kernPairsOf(b));
    expect(kernPairsOf(a)).not.toBe(kernPairsOf(before.font('Helvetica-Bold')));
  });
});
