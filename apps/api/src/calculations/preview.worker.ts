/** A worker thread of the preview pool: runs preview jobs off the API's request thread. */
import { parentPort } from 'node:worker_threads';
import { type PreviewJob, runPreview } from './preview.job';

parentPort?.on('message', (message: { id: number; job: PreviewJob }) => {
  parentPort?.postMessage({ id: message.id, started: true });
  let reply: unknown;
  try {
    reply = { id: message.id, outcome: runPreview(message.job) };
  } catch (e) {
    reply = { id: message.id, error: e instanceof Error ? e.message : String(e) };
  }
  parentPort?.postMessage(reply);
});
