import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { type AuditCheckpoint, signCheckpoint, verifyCheckpointSignature } from './audit-checkpoint-signature';
import type { AuditLog } from './audit-log.service';

export { type AuditCheckpoint, signCheckpoint, verifyCheckpointSignature } from './audit-checkpoint-signature';

export const CHECKPOINT_FILE = 'checkpoints.jsonl';
/** Serialises checkpoint writers (API and worker) across processes. */
const CHECKPOINT_LOCK_KEY = '7146025522';

export interface CheckpointFileContents {
  checkpoints: AuditCheckpoint[];
  /** Lines that are not checkpoints (reported, never silently skipped). */
  unreadable: number[];
}

export function readCheckpointFile(file: string): CheckpointFileContents {
  if (!existsSync(file)) return { checkpoints: [], unreadable: [] };
  const checkpoints: AuditCheckpoint[] = [];
  const unreadable: number[] = [];
  readFileSync(file, 'utf8').split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      checkpoints.push(JSON.parse(line) as AuditCheckpoint);
    } catch {
      unreadable.push(index + 1);
    }
  });
  return { checkpoints, unreadable };
}

export interface CheckpointResult {
  written?: AuditCheckpoint;
  /** Why nothing was written (nothing new, or the chain is broken: never sign a broken chain). */
  skipped?: string;
  broken?: { firstBrokenId?: string; reason?: string };
}

export class AuditCheckpoints {
  readonly file: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly options: { dir: string; log?: (line: string) => void },
  ) {
    this.file = join(options.dir, CHECKPOINT_FILE);
  }

  list(): CheckpointFileContents {
    return readCheckpointFile(this.file);
  }

  /** The newest checkpoint of the file whose signature holds. */
  latest(): AuditCheckpoint | undefined {
    const valid = this.list().checkpoints.filter((c) => verifyCheckpointSignature(this.audit.checkpointKey, c));
    return valid.reduce<AuditCheckpoint | undefined>((a, b) => (!a || BigInt(b.lastId) >= BigInt(a.lastId) ? b : a), undefined);
  }

  /**
   * Verifies what is new since the latest checkpoint and signs the current head.
   * `force`: also when nothing is new (an explicit `npm run audit:checkpoint`).
   */
  async write(options: { force?: boolean; now?: Date } = {}): Promise<CheckpointResult> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [CHECKPOINT_LOCK_KEY])) as Array<{ locked: boolean }>;
      if (!locked) return { skipped: 'another process is writing a checkpoint' };
      try {
        const latest = this.latest();
        const head = await this.audit.head();
        if (!options.force && latest && latest.lastId === head.lastId) return { skipped: 'no new events' };
        if (head.count === 0 && !options.force) return { skipped: 'no events' };
        const result = await this.audit.verify({
          upTo: head.lastId,
          ...(latest && BigInt(latest.lastId) <= BigInt(head.lastId) ? { after: latest, checkpoints: [] } : { checkpoints: latest ? [latest] : [] }),
        });
        if (!result.ok) {
          this.options.log?.(`audit checkpoint refused: the chain is broken at event ${result.firstBrokenId ?? '?'}: ${result.reason ?? ''}`);
          return { skipped: 'the chain is broken', broken: { firstBrokenId: result.firstBrokenId, reason: result.reason } };
        }
        const checkpoint = signCheckpoint(this.audit.checkpointKey, { v: 1, lastId: head.lastId, headHash: head.headHash, count: head.count, at: (options.now ?? new Date()).toISOString() });
        mkdirSync(this.options.dir, { recursive: true, mode: 0o700 });
        appendFileSync(this.file, `${JSON.stringify(checkpoint)}\n`, { mode: 0o600 });
        this.options.log?.(`audit checkpoint ${JSON.stringify(checkpoint)}`);
        return { written: checkpoint };
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [CHECKPOINT_LOCK_KEY]);
      }
    } finally {
      await runner.release();
    }
  }
}

/**
 * The periodic job (run by the worker and by the API): a checkpoint after every `everyEvents`
 * new events, and after `intervalSeconds` when anything is new; one at start when the chain has
 * events newer than the latest checkpoint. Polls the head cheaply (one indexed query).
 */
export class AuditCheckpointJob {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private lastWrite = Date.now();

  constructor(
    private readonly checkpoints: AuditCheckpoints,
    private readonly audit: AuditLog,
    private readonly options: { everyEvents: number; intervalSeconds: number; pollMs?: number; warn: (message: string) => void },
  ) {}

  start(): void {
    if (this.options.intervalSeconds <= 0 || this.timer) return;
    const poll = Math.min(this.options.pollMs ?? 5_000, this.options.intervalSeconds * 1000);
    this.running = this.tick(true).finally(() => (this.running = undefined));
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.tick(false).finally(() => (this.running = undefined));
    }, poll);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One poll: writes a checkpoint when one is due; true when it wrote one. */
  async tick(first = false): Promise<boolean> {
    try {
      const latest = this.checkpoints.latest();
      const head = await this.audit.head();
      const fresh = BigInt(head.lastId) - BigInt(latest?.lastId ?? '0');
      if (fresh <= 0n) return false;
      const due = first || fresh >= BigInt(this.options.everyEvents) || Date.now() - this.lastWrite >= this.options.intervalSeconds * 1000;
      if (!due) return false;
      const result = await this.checkpoints.write();
      if (result.written) this.lastWrite = Date.now();
      return Boolean(result.written);
    } catch (error) {
      this.options.warn(`audit checkpoint failed: ${(error as Error).message}`);
      return false;
    }
  }
}
