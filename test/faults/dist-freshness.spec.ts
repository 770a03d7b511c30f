/** The fault tests' guard against a stale dist/: newerSource names the first source changed after the build. */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newerSource } from './processes';

describe('newerSource (a fault test never runs a stale dist/)', () => {
  let dir: string;
  const at = (path: string, seconds: number): string => {
    writeFileSync(path, '');
    utimesSync(path, seconds, seconds);
    return path;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dist-fresh-'));
    mkdirSync(join(dir, 'src', 'deep', '__fixtures__'), { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('answers nothing when every source is older than the build', () => {
    const stamp = at(join(dir, 'stamp.js'), 2_000);
    at(join(dir, 'src', 'a.ts'), 1_000);
    at(join(dir, 'src', 'deep', 'b.ts'), 1_999);
    expect(newerSource(stamp, [join(dir, 'src')])).toBeUndefined();
  });

  it('names a production source changed after the build', () => {
    const stamp = at(join(dir, 'stamp.js'), 2_000);
    at(join(dir, 'src', 'a.ts'), 1_000);
    const changed = at(join(dir, 'src', 'deep', 'b.ts'), 2_001);
    expect(newerSource(stamp, [join(dir, 'src')])).toBe(changed);
  });

  it('ignores specs and fixtures, which the build leaves out', () => {
    const stamp = at(join(dir, 'stamp.js'), 2_000);
    at(join(dir, 'src', 'a.spec.ts'), 3_000);
    at(join(dir, 'src', 'a.e2e-spec.ts'), 3_000);
    at(join(dir, 'src', 'deep', '__fixtures__', 'mother.ts'), 3_000);
    expect(newerSource(stamp, [join(dir, 'src')])).toBeUndefined();
  });
});
