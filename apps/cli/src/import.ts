/**
 * `npm run import -- <kind> FILE [--profile KEY] [--dry-run] [--skip-bad-rows] [--deactivate-missing]
 *   [--currency USD] [--as EMAIL] [--report FILE.csv]`
 *
 * Imports a CSV file (streamed) straight into the database of the running `npm start` stack (or the
 * dev database), through the same importer as `POST /api/v1/imports/:kind`. Prints the counts and
 * the issues; `--report` writes the whole report as a formula-safe CSV. Exits 0 when imported (or
 * a dry run found nothing wrong), 1 when the file is rejected, 2 on a usage error.
 */
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { once } from 'node:events';
import { loadConfig } from '@quotaflow/config';
import { csvLine, IMPORT_KINDS, isDomainError, type ImportKind } from '@quotaflow/domain';
import { AuditLog, createDataSource, ImportQueries, Importer, PersonEntity, REPORT_COLUMNS, type ImportOutcome } from '@quotaflow/persistence';
import { runCli, UsageError } from './demo/cli-run';

const USAGE = `usage: npm run import -- <${IMPORT_KINDS.join('|')}> FILE [--profile KEY] [--dry-run] [--skip-bad-rows] [--deactivate-missing] [--currency USD] [--as EMAIL] [--report FILE.csv]`;

interface Args {
  kind: ImportKind;
  file: string;
  profile: string;
  dryRun: boolean;
  skipBadRows: boolean;
  deactivateMissing: boolean;
  currency?: string;
  as?: string;
  report?: string;
}

function parseArgs(argv: string[]): Args {
  const positional: string[] = [];
  const a: Partial<Args> = { profile: 'quotaflow', dryRun: false, skipBadRows: false, deactivateMissing: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${arg} needs a value\n${USAGE}`);
      return v;
    };
    if (arg === '--profile') a.profile = value();
    else if (arg === '--dry-run') a.dryRun = true;
    else if (arg === '--skip-bad-rows') a.skipBadRows = true;
    else if (arg === '--deactivate-missing') a.deactivateMissing = true;
    else if (arg === '--currency') a.currency = value();
    else if (arg === '--as') a.as = value();
    else if (arg === '--report') a.report = value();
    else if (arg === '--help' || arg === '-h') throw new UsageError(USAGE);
    else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}\n${USAGE}`);
    else positional.push(arg);
  }
  const [kind, file] = positional;
  if (!kind || !file || positional.length > 2) throw new UsageError(USAGE);
  if (!(IMPORT_KINDS as readonly string[]).includes(kind)) throw new UsageError(`unknown kind "${kind}"\n${USAGE}`);
  if (a.currency !== undefined && !/^[A-Z]{3}$/.test(a.currency)) throw new UsageError('--currency takes a code of three capital letters, e.g. USD');
  const path = resolve(file);
  if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`${file}: no such file`);
  return { ...(a as Args), kind: kind as ImportKind, file: path };
}

const pad = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s.padEnd(n));

function print(o: ImportOutcome, args: Args): void {
  const c = o.counts;
  const verdict = o.dryRun
    ? (o.status === 'completed' ? 'dry run: the file would import; nothing was written' : 'dry run: the file would be rejected; nothing was written')
    : (o.status === 'completed' ? `imported (import ${o.importId})` : `rejected: nothing was written (import ${o.importId})`);
  process.stdout.write(`${args.kind} from ${basename(args.file)} with profile ${o.profile.key}: ${verdict}\n`);
  process.stdout.write(`  rows ${c.rowsRead} read, ${c.rowsValid} valid, ${c.rowsInvalid} with errors${c.skipped ? `, ${c.skipped} skipped` : ''}\n`);
  process.stdout.write(`  ${o.dryRun ? 'would be ' : ''}created ${c.created}, updated ${c.updated}, unchanged ${c.unchanged}${c.deactivated ? `, deactivated ${c.deactivated}` : ''}\n`);
  process.stdout.write(`  file ${o.fileBytes} bytes, sha256 ${o.fileHash ?? '-'}\n`);
  if (o.ignoredColumns.length > 0) process.stdout.write(`  columns not used: ${o.ignoredColumns.join(', ')}\n`);
  if (o.issues.length > 0) {
    process.stdout.write(`\n${c.issues} issue${c.issues === 1 ? '' : 's'}${o.issuesTruncated ? ` (the first ${o.issues.length} shown)` : ''}:\n`);
    process.stdout.write(`  ${pad('line', 6)} ${pad('severity', 8)} ${pad('column', 20)} ${pad('code', 26)} message\n`);
    for (const i of o.issues.slice(0, 100)) {
      process.stdout.write(`  ${pad(String(i.line), 6)} ${pad(i.severity, 8)} ${pad(i.column ?? i.field ?? '-', 20)} ${pad(i.code, 26)} ${i.message}\n`);
    }
    if (o.issues.length > 100) process.stdout.write(`  … ${c.issues - 100} more${args.report ? '' : ' (--report FILE.csv writes them all)'}\n`);
  }
}

async function main(): Promise<number> {
  // Output piped into `head` and the like: a closed pipe ends the printing, not the import.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig(process.env, ['database', 'audit']);
  const ds = await createDataSource(config.database, { role: 'app', applicationName: 'quotaflow-import' }).initialize();
  try {
    let actor: { id: string | null; role: string | null; via: 'cli' } = { id: null, role: null, via: 'cli' };
    if (args.as) {
      const person = await ds.getRepository(PersonEntity).findOne({ where: /^[0-9a-f-]{36}$/i.test(args.as) ? { id: args.as } : { email: args.as.toLowerCase() } });
      if (!person || !person.active) throw new UsageError(`--as ${args.as}: no active person`);
      const role = person.roles.includes('ops') ? 'ops' : person.roles.includes('admin') ? 'admin' : null;
      if (!role) throw new UsageError(`--as ${args.as}: only ops and admin import`);
      actor = { id: person.id, role, via: 'cli' };
    }
    const importer = new Importer(ds, new AuditLog(ds, { hmacKey: config.audit.hmacKey }), config.organisation);
    let outcome: ImportOutcome;
    try {
      outcome = await importer.run({
        kind: args.kind, profileKey: args.profile, dryRun: args.dryRun, skipBadRows: args.skipBadRows, deactivateMissing: args.deactivateMissing,
        ...(args.currency ? { currency: args.currency } : {}), actor, fileName: basename(args.file),
      }, { type: 'csv', stream: createReadStream(args.file, { highWaterMark: 1 << 20 }) });
    } catch (e) {
      if (isDomainError(e)) {
        process.stderr.write(`import: ${e.code}: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
    print(outcome, args);
    if (args.report) {
      const out = createWriteStream(args.report);
      if (outcome.importId) {
        for await (const line of new ImportQueries(ds).reportCsv(outcome.importId)) if (!out.write(line)) await once(out, 'drain');
      } else {
        out.write(csvLine([...REPORT_COLUMNS]));
        for (const i of outcome.issues) out.write(csvLine([String(i.line), i.column, i.field, i.value, i.code, i.severity, i.message, i.suggestion ?? null]));
      }
      out.end();
      await once(out, 'finish');
      process.stdout.write(`\nreport: ${args.report}${outcome.issuesTruncated && !outcome.importId ? ` (the first ${outcome.issues.length} issues of a dry run)` : ''}\n`);
    }
    return outcome.status === 'completed' ? 0 : 1;
  } finally {
    await ds.destroy();
  }
}

runCli(main);
