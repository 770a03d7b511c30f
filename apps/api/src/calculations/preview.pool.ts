import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DomainError } from '@quotaflow/domain';
import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PreviewJob, PreviewOutcome } from './preview.job';

export interface PoolOptions {
  /** worker threads (default 1: the request thread keeps the other core) */
  size?: number;
  /** jobs waiting for a worker beyond which a preview is refused with 503 SERVICE.BUSY */
  queueLimit?: number;
  /** heap of each worker; a preview that needs more is refused, the API is untouched */
  maxHeapMb?: number;
}

interface Pending {
  id: number;
  job: PreviewJob;
  timeoutMs: number;
  resolve: (o: PreviewOutcome) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  busy: Pending | null;
  timer: NodeJS.Timeout | null;
}

/** The worker file next to this one: compiled JavaScript in production, TypeScript (through tsx) in tests. */
function workerEntry(): { file: string; execArgv: string[] } {
  const ext = extname(__filename);
  const file = join(__dirname, `preview.worker${ext}`);
  if (ext === '.ts') return { file, execArgv: ['--require', require.resolve('tsx/cjs')] };
  if (!existsSync(file)) throw new Error(`preview worker not found at ${file}`);
  return { file, execArgv: [] };
}

/**
 * Worker threads for previews: a job runs in a worker with the role's time budget; a
 * job over budget terminates its worker (a new one takes its place) and is answered
 * 413 CALC.TIME_BUDGET_EXCEEDED; a full queue is answered 503 SERVICE.BUSY.
 */
@Injectable()
export class PreviewPool implements OnModuleDestroy {
  private readonly logger = new Logger(PreviewPool.name);
  private readonly slots: (Slot | null)[];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  private readonly queueLimit: number;
  private readonly maxHeapMb: number;

  constructor(options: PoolOptions = {}) {
    this.slots = new Array<Slot | null>(Math.max(1, options.size ?? 1)).fill(null);
    this.queueLimit = options.queueLimit ?? 8;
    this.maxHeapMb = options.maxHeapMb ?? 1024;
  }

  run(job: PreviewJob, timeoutMs: number): Promise<PreviewOutcome> {
    if (this.closed) return Promise.reject(new DomainError('SERVICE.UNAVAILABLE', 'The API is shutting down.'));
    if (this.queue.length >= this.queueLimit) {
      return Promise.reject(new DomainError('SERVICE.BUSY', 'Too many previews are being calculated; try again in a moment.', { retryAfterSeconds: 1 }));
    }
    return new Promise<PreviewOutcome>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, timeoutMs, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (let i = 0; i < this.slots.length && this.queue.length > 0; i++) {
      let slot = this.slots[i];
      if (slot !== null && slot.busy !== null) continue;
      if (slot === null) slot = this.slots[i] = this.spawn(i);
      const pending = this.queue.shift() as Pending;
      slot.busy = pending;
      slot.worker.postMessage({ id: pending.id, job: pending.job });
    }
  }

  private spawn(i: number): Slot {
    const { file, execArgv } = workerEntry();
    const worker = new Worker(file, { execArgv, resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb } });
    worker.unref();
    const slot: Slot = { worker, busy: null, timer: null };
    worker.on('message', (m: { id: number; started?: true; outcome?: PreviewOutcome; error?: string }) => {
      const pending = slot.busy;
      if (pending === null || pending.id !== m.id) return;
      if (m.started) {
        // the budget counts the calculation, not the start of a fresh worker
        slot.timer = setTimeout(() => this.fail(i, new DomainError('CALC.TIME_BUDGET_EXCEEDED', `The preview took longer than your budget of ${pending.timeoutMs} ms; preview fewer participants or transactions.`, { timeoutMs: pending.timeoutMs })), pending.timeoutMs);
        return;
      }
      this.settle(slot);
      if (m.outcome !== undefined) pending.resolve(m.outcome);
      else pending.reject(new Error(`preview failed: ${m.error}`));
      this.dispatch();
    });
    worker.on('error', (e: Error & { code?: string }) => {
      const memory = e.code === 'ERR_WORKER_OUT_OF_MEMORY';
      if (!memory) this.logger.error(`preview worker failed: ${e.message}`);
      this.fail(i, memory ? new DomainError('CALC.TOO_LARGE', 'The preview needed more memory than a preview may use; preview fewer participants or transactions.') : e);
    });
    worker.on('exit', () => {
      if (this.slots[i]?.worker === worker) this.fail(i, new Error('preview worker stopped'));
    });
    return slot;
  }

  /** End the slot's job with an error and replace its worker. */
  private fail(i: number, error: unknown): void {
    const slot = this.slots[i];
    if (slot === null) return;
    this.slots[i] = null;
    const pending = slot.busy;
    this.settle(slot);
    void slot.worker.terminate();
    if (pending !== null) pending.reject(error);
    if (!this.closed) this.dispatch();
  }

  private settle(slot: Slot): void {
    if (slot.timer !== null) clearTimeout(slot.timer);
    slot.timer = null;
    slot.busy = null;
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new DomainError('SERVICE.UNAVAILABLE', 'The API is shutting down.'));
    await Promise.all(
      this.slots.map(async (slot, i) => {
        if (slot === null) return;
        this.slots[i] = null;
        if (slot.busy !== null) slot.busy.reject(new DomainError('SERVICE.UNAVAILABLE', 'The API is shutting down.'));
        this.settle(slot);
        await slot.worker.terminate();
      }),
    );
  }
}
