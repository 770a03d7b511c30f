import type { NextFunction, Request, Response } from 'express';

/**
 * CORS for the codec endpoint only, for the origins in TEMPORAL_CODEC_CORS_ORIGINS (the Temporal
 * Web UI). The UI sends `Authorization` (our bearer token, when "pass access token" is on) and
 * `X-Namespace`, with credentials. Other origins get no CORS headers, so browsers refuse them.
 */
export function codecCors(origins: readonly string[]) {
  const allowed = new Set(origins);
  return (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.header('origin');
    if (origin && allowed.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Namespace');
      res.setHeader('Access-Control-Max-Age', '600');
      // helmet's default would stop the UI reading the answer of another origin
      res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    }
    res.vary('Origin');
    if (req.method === 'OPTIONS') {
      res.status(origin && allowed.has(origin) ? 204 : 403).end();
      return;
    }
    next();
  };
}
