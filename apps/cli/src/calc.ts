/**
 * `npm run --silent calc -- [--figures-only] <file|->`: calculate a plan-language
 * document (spec §2) and print the output document (§6) as JSON. No database, no build.
 *
 * Exit 0 on success; 2 for anything wrong with the input — unreadable, too large,
 * not UTF-8 (or UTF-16, or with a byte-order mark), not JSON, nested too deep,
 * over-precise numbers, an invalid document, or one that asks for more than the
 * engine's limits — with one line per problem on stderr and nothing on stdout.
 * The document is compiled once; the output is written period by period as it is
 * calculated, never built as one string.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { once } from 'node:events';
import { getHeapStatistics } from 'node:v8';
import {
  type CompiledDocument,
  type ValidationIssue,
  compileCalculation,
  decodeJsonBytes,
  describeJsonError,
  isTooLarge,
  scanJsonText,
  writeCalculation,
} from '@quotaflow/domain/plan-language';

const USAGE = `usage: npm run --silent calc -- [options] <document.json | ->

Calculates a plan-language document and prints the output document (JSON) on stdout.
A worked example file ({note, input, expect}) is calculated from its input.

options:
  --figures-only      leave the explained lines out (figures and state only)
  --max-input-mb N    refuse inputs larger than N MiB (default 256, at most 500)
  -h, --help          this text

exit status: 0 calculated; 2 the input was refused (one reason per line on stderr)`;

const MiB = 1024 * 1024;
export const DEFAULT_MAX_INPUT = 256 * MiB;
/** V8 cannot hold a string much longer than this (2^29 − 24 characters). */
const HARD_MAX_INPUT = 500 * MiB;
/** A parsed document takes about twice its text in memory (measured: 1.7×), besides the text itself. */
const PARSE_MEMORY_FACTOR = 3;

function describe(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = String(value);
  }
  if (text === undefined) return 'undefined';
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

export function formatIssue(issue: ValidationIssue): string {
  return `${issue.path}: ${issue.message} (${describe(issue.value)})`;
}

export interface CalcOptions {
  figuresOnly?: boolean;
  maxInputBytes?: number;
}

export interface CalcResult {
  code: number;
  stdout: string;
  stderr: string;
}

type Prepared = { ok: true; compiled: CompiledDocument } | { ok: false; stderr: string };

/** Input bytes (or text) to a compiled document, or the reasons it is refused, one per line. */
export function prepareCalc(input: Uint8Array | string, source: string, options: CalcOptions = {}): Prepared {
  const max = options.maxInputBytes ?? DEFAULT_MAX_INPUT;
  const size = typeof input === 'string' ? input.length : input.byteLength;
  if (size > max) return { ok: false, stderr: `${source}: ${tooBig(size, max)}\n` };
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    const decoded = decodeJsonBytes(input);
    if (!decoded.ok) return { ok: false, stderr: `${source}: ${decoded.problem}\n` };
    text = decoded.text;
  }
  const memory = memoryProblem(text.length);
  if (memory !== null) return { ok: false, stderr: `${source}: ${memory}\n` };
  // what JSON.parse would hide (rounded numbers, a repeated key) or not survive (nesting): before parsing
  const scanned = scanJsonText(text);
  if (scanned.length > 0) return { ok: false, stderr: problems(source, scanned) };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, stderr: `${source}: ${describeJsonError(text, e)}\n` };
  }
  // a worked example file ({note, input, expect}) is calculated from its input
  if (isExampleWrapper(json)) json = json.input;
  const compiled = compileCalculation(json);
  if (!compiled.ok) return { ok: false, stderr: problems(source, compiled.errors) };
  return { ok: true, compiled: compiled.value };
}

function problems(source: string, errors: readonly ValidationIssue[]): string {
  const what = isTooLarge(errors) ? 'document too large to calculate' : 'invalid plan document';
  return `${source}: ${what} (${errors.length} problem(s)):\n${errors.map(formatIssue).join('\n')}\n`;
}

function tooBig(size: number, max: number): string {
  return `the input is ${(size / MiB).toFixed(1)} MiB; calc reads at most ${(max / MiB).toFixed(0)} MiB (raise it with --max-input-mb, up to ${HARD_MAX_INPUT / MiB}, or calculate the participants in batches)`;
}

/** Would parsing a text of this length exhaust the heap? Then say so instead of crashing. */
function memoryProblem(length: number): string | null {
  const heap = getHeapStatistics();
  const free = heap.heap_size_limit - heap.used_heap_size;
  const needed = length * PARSE_MEMORY_FACTOR;
  if (needed <= free) return null;
  return `the input needs about ${(needed / MiB).toFixed(0)} MiB of memory to calculate and this process has ${(free / MiB).toFixed(0)} MiB; run it with more (NODE_OPTIONS=--max-old-space-size=<MiB>) or in batches of participants`;
}

function isExampleWrapper(json: unknown): json is { input: unknown } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return false;
  const o = json as Record<string, unknown>;
  return typeof o.input === 'object' && o.input !== null && o.periods === undefined && o.plans === undefined;
}

/** The whole command as a function of its input, with the output in one string (small documents and tests). */
export function runCalc(input: Uint8Array | string, source: string, options: CalcOptions = {}): CalcResult {
  const prepared = prepareCalc(input, source, options);
  if (!prepared.ok) return { code: 2, stdout: '', stderr: prepared.stderr };
  let stdout = '';
  for (const chunk of writeCalculation(prepared.compiled, { lines: options.figuresOnly ? 'none' : 'full' })) stdout += chunk;
  return { code: 0, stdout, stderr: '' };
}

/** Read a file or stdin, at most `max` bytes (one more tells it is too large). */
function readInput(arg: string, max: number): { bytes: Uint8Array } | { size: number } {
  const fd = arg === '-' ? 0 : openSync(arg, 'r');
  try {
    const stat = fstatSync(fd);
    if (stat.isFile() && stat.size > max) return { size: stat.size };
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, max + 1 - total > 0 ? max + 1 - total : 1));
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        throw e;
      }
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > max) return { size: total };
    }
    return { bytes: Buffer.concat(chunks, total) };
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}

interface Args {
  file: string;
  options: CalcOptions;
}

function parseArgs(argv: string[]): Args | string {
  const args = argv.filter((a) => a !== '--');
  const options: CalcOptions = {};
  let file: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-h' || a === '--help') return 'help';
    if (a === '--figures-only') options.figuresOnly = true;
    else if (a === '--max-input-mb') {
      const n = Number(args[++i]);
      if (!Number.isFinite(n) || n <= 0 || n > HARD_MAX_INPUT / MiB) return `--max-input-mb needs a number of MiB from 1 to ${HARD_MAX_INPUT / MiB}`;
      options.maxInputBytes = Math.floor(n * MiB);
    } else if (a.startsWith('-') && a !== '-') return `unknown option ${a}`;
    else if (file !== undefined) return 'give one document';
    else file = a;
  }
  return file === undefined ? 'give a document file, or - for stdin' : { file, options };
}

async function write(chunk: string): Promise<void> {
  if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (typeof parsed === 'string') {
    process.stderr.write(parsed === 'help' ? `${USAGE}\n` : `calc: ${parsed}\n${USAGE}\n`);
    return parsed === 'help' ? 0 : 2;
  }
  const { file, options } = parsed;
  const source = file === '-' ? 'stdin' : file;
  const max = options.maxInputBytes ?? DEFAULT_MAX_INPUT;
  let read: ReturnType<typeof readInput>;
  try {
    read = readInput(file, max);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    process.stderr.write(`${source}: cannot read: ${err.code ?? ''} ${err.message}\n`);
    return 2;
  }
  if ('size' in read) {
    process.stderr.write(`${source}: ${tooBig(read.size, max)}\n`);
    return 2;
  }
  const prepared = prepareCalc(read.bytes, source, options);
  if (!prepared.ok) {
    process.stderr.write(prepared.stderr);
    return 2;
  }
  read = { bytes: new Uint8Array(0) };
  for (const chunk of writeCalculation(prepared.compiled, { lines: options.figuresOnly ? 'none' : 'full' })) await write(chunk);
  return 0;
}

if (require.main === module) {
  // a reader that stops early (`calc doc.json | head`) is not an error of ours
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    process.stderr.write(`calc: cannot write the output: ${e.message}\n`);
    process.exit(74);
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      // a bug, not the input: one line, no stack
      process.stderr.write(`calc: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 70;
    },
  );
}
