/**
 * Imports at scale, over HTTP: 100,000 deal rows streamed in one request (the import is seen
 * running while half the file is still unsent: nothing waits for the whole file), and a large
 * file run in the background as the workflow import:<id> whose worker is SIGKILLed mid-import —
 * a new worker finishes it and every deal is written exactly once.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { AuditEventEntity, ImportEntity } from '@quotaflow/persistence';
import { eventually, type Harness, startHarness } from './harness';
import { count, get, upload } from './imports-support';

jest.setTimeout(300_000);

const WORKER_MAIN = resolve(__dirname, '../../dist/apps/worker/src/main.js');
const HEADER = 'external_id,name,owner,account,product,stage,type,created_date,close_date,amount,currency\n';

function dealRows(from: number, to: number, prefix: string): string {
  let out = '';
  for (let i = from; i < to; i++) {
    const won = i % 10 < 7;
    out += `${prefix}-${i},Deal ${i},rep${i % 5}@scale.test,ACC-${i % 50},P-${i % 3},${won ? 'won' : i % 10 === 9 ? 'lost' : 'open'},new,2026-01-01,2026-${String(1 + (i % 12)).padStart(2, '0')}-15,${1000 + (i % 5000)}.${String(i % 100).padStart(2, '0')},USD\n`;
  }
  return out;
}

async function seedReference(h: Harness): Promise<void> {
  const people = `name,email,roles\n${Array.from({ length: 5 }, (_, i) => `Scale Rep ${i},rep${i}@scale.test,rep`).join('\n')}\n`;
  const accounts = `external_id,name,territory\n${Array.from({ length: 50 }, (_, i) => `ACC-${i},Account ${i},Scale Land`).join('\n')}\n`;
  for (const [kind, body] of [['people', people], ['territories', 'name\nScale Land\n'], ['accounts', accounts], ['products', 'code,name\nP-0,Zero\nP-1,One\nP-2,Two\n']] as const) {
    expect((await upload(h, h.org.ops, kind, body)).body.issues).toEqual([]);
  }
}

describe('imports at scale', () => {
  describe('in one request', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness('imports-scale');
      await seedReference(h);
    });
    afterAll(async () => {
      await h?.close();
    });

    it('100,000 rows stream through: the import runs before the upload has ended', async () => {
      const total = 100_000;
      const half = total / 2;
      let next = 0;
      let sawRunning = false;
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (next === 0) controller.enqueue(encoder.encode(HEADER));
          if (next === half) {
            // Half the file is out: the server must be importing already, not buffering.
            await eventually(async () => (await count(h.db, `SELECT count(*)::int AS n FROM imports WHERE kind = 'deals' AND status = 'running' AND rows_read > 0`)) > 0, 'a running import with rows read', 60_000);
            sawRunning = true;
          }
          if (next >= total) {
            controller.close();
            return;
          }
          const end = Math.min(total, next + 2000);
          controller.enqueue(encoder.encode(dealRows(next, end, 'S')));
          next = end;
        },
      });
      const r = await upload(h, h.org.ops, 'deals', body, 'currency=USD');
      expect(sawRunning).toBe(true);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ status: 'completed', counts: { rowsRead: total, created: total, rowsInvalid: 0 } });
      expect(await count(h.db, `SELECT count(*)::int AS n FROM deals WHERE external_id LIKE 'S-%'`)).toBe(total);
      expect(await count(h.db, `SELECT count(*)::int AS n FROM deal_revisions WHERE external_id LIKE 'S-%'`)).toBe(total);
    });
  });

  describe('in the background, with the worker killed', () => {
    let h: Harness;
    const children: ChildProcess[] = [];
    const spawnWorker = () => {
      let output = '';
      const child = spawn(process.execPath, [WORKER_MAIN], { env: { ...process.env, ...h.env }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
      child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
      children.push(child);
      return { child, output: () => output };
    };
    const exited = (c: ChildProcess) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once('exit', () => r())));

    beforeAll(async () => {
      if (!existsSync(WORKER_MAIN)) throw new Error(`${WORKER_MAIN} is missing: run the tests through \`npm test\`, which builds first`);
      h = await startHarness('imports-crash', { inProcessWorker: false, env: { IMPORT_BACKGROUND_BYTES: String(1024 * 1024) } });
      await seedReference(h);
    });
    afterAll(async () => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) { c.kill('SIGKILL'); await exited(c); }
      await h?.close();
    });

    it('answers an import id at once, shows progress, survives a SIGKILL and writes every deal once', async () => {
      const rows = 150_000;
      const file = Buffer.from(HEADER + dealRows(0, rows, 'B'));
      const first = spawnWorker();
      const queued = await upload(h, h.org.ops, 'deals', file, 'currency=USD');
      expect(queued.status).toBe(202);
      const id: string = queued.body.id;
      expect(queued.body).toMatchObject({ status: 'queued', background: true, workflowId: `import:${id}`, fileBytes: file.length });

      // Kill -9 while the import is reading (its progress is visible at GET /imports/:id).
      await eventually(async () => {
        const r = await get(h, h.org.finance, `/imports/${id}`);
        return r.body.status === 'running' && r.body.counts.rowsRead > 0;
      }, 'the import running', 120_000).catch((e: Error) => { throw new Error(`${e.message}; worker output: ${first.output().slice(-3000)}`); });
      first.child.kill('SIGKILL');
      await exited(first.child);
      expect(first.child.signalCode).toBe('SIGKILL');
      expect(await count(h.db, `SELECT count(*)::int AS n FROM deals WHERE external_id LIKE 'B-%'`)).toBe(0);

      const second = spawnWorker();
      const done = await eventually(async () => {
        const r = await get(h, h.org.auditor, `/imports/${id}`);
        return r.body.status === 'completed' || r.body.status === 'failed' ? r : undefined;
      }, 'the import finished', 180_000).catch((e: Error) => { throw new Error(`${e.message}; worker output: ${second.output().slice(-3000)}`); });
      expect(done.body).toMatchObject({ status: 'completed', counts: { rowsRead: rows, created: rows, rowsWritten: rows } });
      expect(await count(h.db, `SELECT count(*)::int AS n FROM deals WHERE external_id LIKE 'B-%'`)).toBe(rows);
      expect(await count(h.db, `SELECT count(*)::int AS n FROM deal_revisions WHERE external_id LIKE 'B-%'`)).toBe(rows);
      expect(await count(h.db, `SELECT count(*)::int AS n FROM import_files WHERE import_id = $1`, [id])).toBe(0);
      const events = await h.db.getRepository(AuditEventEntity).find({ where: { subject: `import:${id}` } });
      expect(events).toEqual([expect.objectContaining({ action: 'import.completed', data: expect.objectContaining({ fileHash: queued.body.fileHash, background: true }) })]);
      expect((await h.db.getRepository(ImportEntity).findOneByOrFail({ id })).fileHash).toMatch(/^[0-9a-f]{64}$/);

      // The workflow's history stays small whatever the file's size.
      const connection = await Connection.connect({ address: h.env.TEMPORAL_ADDRESS! });
      try {
        const history = await new Client({ connection }).workflow.getHandle(`import:${id}`).fetchHistory();
        expect(history.events!.length).toBeLessThan(40);
      } finally {
        await connection.close();
      }
      second.child.kill('SIGTERM');
      await exited(second.child);
    });
  });
});
