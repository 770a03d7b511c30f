import pdfParse from 'pdf-parse';

/**
 * The text of a PDF, whitespace collapsed. pdf-parse's pdf.js reads a Buffer's whole ArrayBuffer:
 * a small attachment inside Node's shared Buffer pool (at an offset) failed now and then ("bad
 * XRef entry"); a buffer of its own, padded past the pool size, parses the same bytes every time.
 */
export async function pdfText(pdf: Buffer): Promise<string> {
  return (await pdfParse(Buffer.concat([pdf, Buffer.alloc(Buffer.poolSize)]))).text.replace(/\s+/g, ' ');
}
