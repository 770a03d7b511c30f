/** How deep a request value may nest: the deepest valid body (a plan document's tier) is 6 levels. */
export const MAX_DEPTH = 32;

/** Keys that name the prototype machinery of JavaScript objects: never a field of ours, and dangerous in a map. */
export const FORBIDDEN_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

export interface ShapeProblem {
  code: 'REQUEST.TOO_DEEP' | 'VALIDATION.FAILED';
  /** Where: `document.components[0]`, `quotas.__proto__`. */
  path: string;
  problem: string;
}

/**
 * Walks a parsed JSON value iteratively (no recursion, so any depth is safe to look at) and names
 * the first place nested deeper than `maxDepth`, or the first key of the prototype machinery.
 * Run before anything that recurses over the value (class-transformer, class-validator, the plan
 * language's validator), which a body of 20,000 levels would otherwise overflow.
 */
export function findShapeProblem(value: unknown, root = '', maxDepth = MAX_DEPTH): ShapeProblem | undefined {
  const stack: [unknown, string, number][] = [[value, root, 0]];
  while (stack.length > 0) {
    const [node, path, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= maxDepth) return { code: 'REQUEST.TOO_DEEP', path: path || '(body)', problem: `nested deeper than ${maxDepth} levels` };
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i -= 1) stack.push([node[i], `${path}[${i}]`, depth + 1]);
      continue;
    }
    for (const [key, child] of Object.entries(node as Record<string, unknown>)) {
      const childPath = path ? `${path}.${key}` : key;
      if (FORBIDDEN_KEYS.includes(key)) return { code: 'VALIDATION.FAILED', path: childPath, problem: `"${key}" is not an accepted field name` };
      stack.push([child, childPath, depth + 1]);
    }
  }
  return undefined;
}
