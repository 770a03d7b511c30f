import type { NextFunction, Request, Response } from 'express';

/**
 * Where a request's time went, per phase, in the `Server-Timing` response header
 * (`auth;dur=1.2, read;dur=2.4, claim;dur=0.1, workflow;dur=21.0, complete;dur=1.1, total;dur=27.3`): a browser's
 * network panel shows it, and so does a slow decision in a load test. Phase names only, no data.
 */
export class ServerTiming {
  private readonly started = performance.now();
  private readonly phases = new Map<string, number>();

  /** Adds the time `work` takes to phase `name` (phases repeated in one request add up). */
  async measure<T>(name: string, work: Promise<T> | (() => Promise<T>)): Promise<T> {
    const t0 = performance.now();
    try {
      return await (typeof work === 'function' ? work() : work);
    } finally {
      this.phases.set(name, (this.phases.get(name) ?? 0) + performance.now() - t0);
    }
  }

  header(now = performance.now()): string {
    return [...this.phases, ['total', now - this.started] as const].map(([name, ms]) => `${name};dur=${ms.toFixed(1)}`).join(', ');
  }
}

export interface TimedRequest extends Request {
  serverTiming?: ServerTiming;
}

/** Starts a request's timing and writes its header just before the response's headers go out. */
export function serverTimingMiddleware(req: Request, res: Response, next: NextFunction): void {
  const timing = new ServerTiming();
  (req as TimedRequest).serverTiming = timing;
  const writeHead = res.writeHead;
  res.writeHead = function (this: Response, ...args: Parameters<Response['writeHead']>) {
    if (!this.headersSent) this.setHeader('Server-Timing', timing.header());
    return writeHead.apply(this, args);
  } as Response['writeHead'];
  next();
}

/** The request's timing, or one that is never reported (a call from outside an HTTP request). */
export function timingOf(req: unknown): ServerTiming {
  return (req as TimedRequest | undefined)?.serverTiming ?? new ServerTiming();
}
