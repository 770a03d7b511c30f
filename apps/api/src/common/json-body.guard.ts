import type { IncomingMessage } from 'node:http';
import { decodeJsonBytes, jsonDepthExceeded } from '@quotaflow/domain';
import { ApiError } from './api-error';
import { findShapeProblem, MAX_DEPTH } from './json-shape';

/**
 * The deepest nesting any request body may have. The deepest document of the API (a
 * plan-language document) needs 8 levels; validation pipes, class-transformer and
 * serialisers walk bodies recursively, so depth is bounded here, on the bytes,
 * before anything parses or walks them — the same bound `json-shape.ts` holds every other input to.
 */
export const MAX_BODY_DEPTH = MAX_DEPTH;

/** A request whose JSON body was read: the bytes as they came (checked UTF-8). */
export interface RawBodyRequest extends IncomingMessage {
  rawBody?: Buffer;
}

/**
 * body-parser's `verify` hook for every JSON body: UTF-8 only (no byte-order mark, no
 * UTF-16), nesting bounded, the raw bytes kept for handlers that read the text itself
 * (the calculation preview checks number precision on it). Each refusal is a 4xx with
 * a stable code, never a stack overflow later.
 */
export function guardJsonBody(req: RawBodyRequest, _res: unknown, buf: Buffer, encoding: string | null): void {
  if (encoding !== null && encoding.toLowerCase() !== 'utf-8' && encoding.toLowerCase() !== 'utf8') {
    throw new ApiError(415, 'REQUEST.UNSUPPORTED_CHARSET', `JSON bodies are UTF-8; this one declares charset ${encoding.slice(0, 40)}.`, { field: 'content-type' });
  }
  const decoded = decodeJsonBytes(buf, 'the request body');
  if (!decoded.ok) throw new ApiError(400, 'REQUEST.INVALID_ENCODING', `${decoded.problem.charAt(0).toUpperCase()}${decoded.problem.slice(1)}.`, { field: 'body' });
  const at = jsonDepthExceeded(buf, MAX_BODY_DEPTH);
  if (at >= 0) {
    // Name the field as every other refusal does: V8's JSON.parse and the shape walk are both
    // iterative, so a body of any depth is safe to read for that; only recursive walkers are not.
    let field = 'body';
    try {
      field = findShapeProblem(JSON.parse(decoded.text))?.path ?? field;
    } catch {
      // not JSON after all: body-parser answers it as malformed; the depth is what we report
    }
    const problem = `nested deeper than ${MAX_BODY_DEPTH} levels (at byte ${at}); no document of this API needs more`;
    throw new ApiError(400, 'REQUEST.TOO_DEEP', `${field}: ${problem}`, [{ field, problems: [problem] }]);
  }
  req.rawBody = buf;
}
