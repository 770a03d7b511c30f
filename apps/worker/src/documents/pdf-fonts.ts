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
  shareStringWidths(probe);
}

interface StandardFontLike {
  font: MetricsFont & { getKernPair(left: string, right: string | undefined): number };
  widthOfString(string: string, size: number): number;
}

/** Distinct strings measured per font before the memo stops growing (a plan's words, names, figures). */
const WIDTH_MEMO_MAX = 20_000;

/**
 * Measuring text is most of a document's drawing time: pdfkit sums each glyph's width and kerning
 * for every word it wraps, and every rep's plan document wraps the same words. A string's width
 * in a font (before scaling to the size) is memoised on the shared metrics, and kerning pairs are
 * looked up in a map per left glyph instead of by a joined string. The same sums in the same order:
 * the same widths, byte-identical PDFs (tested).
 */
function shareStringWidths(probe: object): void {
  const font = (probe as unknown as { _font?: StandardFontLike })._font;
  const fontProto = font ? (Object.getPrototypeOf(font) as Partial<StandardFontLike>) : undefined;
  const afmProto = font ? (Object.getPrototypeOf(font.font) as Partial<StandardFontLike['font']>) : undefined;
  const widthOf = fontProto?.widthOfString;
  if (!font || !fontProto || !afmProto || typeof widthOf !== 'function' || typeof afmProto.getKernPair !== 'function') return;
  const kerning = new WeakMap<object, Map<string, Map<string | undefined, number>>>();
  afmProto.getKernPair = function getKernPair(this: FontMetrics, left: string, right: string | undefined): number {
    let table = kerning.get(this.kernPairs);
    if (!table) {
      table = new Map();
      for (const [pair, value] of Object.entries(this.kernPairs)) {
        const at = pair.indexOf('\0');
        const l = pair.slice(0, at);
        let row = table.get(l);
        if (!row) table.set(l, (row = new Map()));
        row.set(pair.slice(at + 1), value);
      }
      kerning.set(this.kernPairs, table);
    }
    return table.get(left)?.get(right as string) || 0;
  };
  const memo = new WeakMap<object, Map<string, number>>();
  fontProto.widthOfString = function widthOfString(this: StandardFontLike, string: string, size: number): number {
    const metrics = this.font.kernPairs;
    let widths = memo.get(metrics);
    if (!widths) memo.set(metrics, (widths = new Map()));
    const text = `${string}`;
    let width = widths.get(text);
    if (width === undefined) {
      // pdfkit's own sum, unscaled (its scale of 1000 units is applied below exactly as it does).
      width = widthOf.call(this, text, 1000);
      if (widths.size < WIDTH_MEMO_MAX) widths.set(text, width);
    }
    return width * (size / 1000);
  };
}

/** A pdfkit document whose standard fonts' metrics are shared with every other one. */
export function createPdfDocument(options: PDFKit.PDFDocumentOptions): PDFKit.PDFDocument {
  shareStandardFontMetrics();
  return new PDFDocument(options);
}
