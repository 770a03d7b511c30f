import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The folder holding Quotaflow's package.json (works from src/ and dist/). */
export function findRepoRoot(start = __dirname): string {
  let dir = resolve(start);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'quotaflow') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`not inside the quotaflow repository: ${start}`);
    dir = parent;
  }
}
