/**
 * `npm run --silent calc -- <file|->`: calculate a plan-language document (spec §2)
 * and print the output document (§6) as JSON. No database, no build.
 * Exit 0 on success; 2 for an unreadable file, bad JSON or an invalid document
 * (reasons on stderr, one per line, nothing on stdout).
 */
import { readFileSync } from 'node:fs';
import { calculate, compilePlanDocument, type ValidationIssue } from '@quotaflow/domain/plan-language';

const USAGE = 'usage: npm run --silent calc -- <document.json | ->';

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return 'undefined';
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

export function formatIssue(issue: ValidationIssue): string {
  return `${issue.path}: ${issue.message} (${describe(issue.value)})`;
}

export interface CalcResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The whole command as a function of its input text, so it is testable without a process. */
export function runCalc(text: string, source: string): CalcResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { code: 2, stdout: '', stderr: `${source}: not valid JSON: ${(e as Error).message}\n` };
  }
  // a worked example file ({note, input, expect}) is calculated from its input
  if (isExampleWrapper(json)) json = json.input;
  const compiled = compilePlanDocument(json);
  if (!compiled.ok) {
    return { code: 2, stdout: '', stderr: `${source}: invalid plan document (${compiled.errors.length} problem(s)):\n${compiled.errors.map(formatIssue).join('\n')}\n` };
  }
  const output = calculate(json);
  return { code: 0, stdout: `${JSON.stringify(output, null, 2)}\n`, stderr: '' };
}

function isExampleWrapper(json: unknown): json is { input: unknown } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return false;
  const o = json as Record<string, unknown>;
  return typeof o.input === 'object' && o.input !== null && o.periods === undefined && o.plans === undefined;
}

function readInput(arg: string): string {
  return arg === '-' ? readFileSync(0, 'utf8') : readFileSync(arg, 'utf8');
}

function main(argv: string[]): number {
  const args = argv.filter((a) => a !== '--');
  if (args.length !== 1 || args[0] === '-h' || args[0] === '--help') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let text: string;
  try {
    text = readInput(args[0]);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    process.stderr.write(`${args[0] === '-' ? 'stdin' : args[0]}: cannot read: ${err.code ?? ''} ${err.message}\n`);
    return 2;
  }
  const result = runCalc(text, args[0] === '-' ? 'stdin' : args[0]);
  if (result.stdout) process.stdout.write(result.stdout);
  if (result.stderr) process.stderr.write(result.stderr);
  return result.code;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
