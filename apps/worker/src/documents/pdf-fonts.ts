/**
 * pdfkit reads and parses a standard font's metrics file (Helvetica's is 3,000 kerning pairs)
 * every time a document first uses the font: a plan invite or a statement spent more time there
 * than drawing (18 s of a 2,000-rep publish's worker time). The metrics never change and pdfkit
 * only reads them once parsed, so the parse is memoised per file content and every document
 * shares the same tables. Same widths, same kerning, byte-identical PDFs (tested).
 */
import PDFDocument from 'pdfkit';

interface FontMetrics {
  attributes: Record<string, unknown>;
  glyphWidths: Record<string, number>;
  boundingBoxes: Record<string, unknown>;
  kernPairs: Record<string, number>;
}

interface MetricsFont extends FontMetrics {
  parse(contents: string): void;
}

let installed = false;

/** Installs the memo once per process; a pdfkit whose internals differ keeps its own parse. */
export function shareStandardFontMetrics(): void {
  if (installed) return;
  installed = true;
  // Every document loads Helvetica when it is created: its metrics object shows pdfkit's class.
  const probe = new PDFDocument({ autoFirstPage: false }) as unknown as { _font?: { font?: MetricsFont } };
  const sample = probe._font?.font;
  const proto = sample ? (Object.getPrototypeOf(sample) as Partial<MetricsFont>) : undefined;
  const parse = proto?.parse;
  if (!proto || typeof parse !== 'function' || !sample?.kernPairs || !sample.glyphWidths) return;
  const parsed = new Map<string, FontMetrics>();
  proto.parse = function parseOnce(this: MetricsFont, contents: string): void {
    const known = parsed.get(contents);
    if (known) {
      Object.assign(this, known);
      return;
    }
    parse.call(this, contents);
    parsed.set(contents, { attributes: this.attributes, glyphWidths: this.glyphWidths, boundingBoxes: this.boundingBoxes, kernPairs: this.kernPairs });
  };
}

/** A pdfkit document whose standard fonts' metrics are shared with every other one. */
export function createPdfDocument(options: PDFKit.PDFDocumentOptions): PDFKit.PDFDocument {
  shareStandardFontMetrics();
  return new PDFDocument(options);
}
