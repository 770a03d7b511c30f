import 'reflect-metadata';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { API_CONTROLLERS } from '../app.module';
import { PUBLIC_KEY, ROLES_KEY } from './roles.decorator';

interface Route { route: string; rule: string | undefined }

/** Every route of the API, with the authorisation rule declared on it (or undefined). */
function routes(): Route[] {
  return API_CONTROLLERS.flatMap((controller) => {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    const proto = controller.prototype as unknown as Record<string, unknown>;
    return Object.getOwnPropertyNames(proto)
      .filter((name) => name !== 'constructor' && typeof proto[name] === 'function' && Reflect.getMetadata(PATH_METADATA, proto[name] as object) !== undefined)
      .map((name) => {
        const handler = proto[name] as object;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
        const path = `/${[base, String(Reflect.getMetadata(PATH_METADATA, handler))].filter((x) => x && x !== '/').join('/')}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
        const roles = (Reflect.getMetadata(ROLES_KEY, handler) ?? Reflect.getMetadata(ROLES_KEY, controller)) as string[] | undefined;
        const isPublic = (Reflect.getMetadata(PUBLIC_KEY, handler) ?? Reflect.getMetadata(PUBLIC_KEY, controller)) as boolean | undefined;
        const rule = isPublic ? 'public' : roles && roles.length > 0 ? roles.join(',') : undefined;
        return { route: `${method} ${path}`, rule };
      });
  });
}

describe('every API route declares who may call it', () => {
  const all = routes();

  it('finds the routes of every controller', () => {
    expect(all.length).toBeGreaterThanOrEqual(15);
    expect(all.map((r) => r.route)).toEqual(expect.arrayContaining(['POST /plan-versions/:id/publish', 'POST /plan-assignments/:id/accept', 'GET /audit']));
  });

  it.each(all.map((r) => [r.route, r]))('%s has an explicit role rule', (_name, r) => {
    expect(r.rule).toBeDefined();
  });

  it('only /health is public', () => {
    expect(all.filter((r) => r.rule === 'public').map((r) => r.route)).toEqual(['GET /health']);
  });

  it('the auditor changes nothing: no write route admits the auditor', () => {
    const writes = all.filter((r) => !r.route.startsWith('GET '));
    expect(writes.filter((r) => r.rule?.split(',').includes('auditor'))).toEqual([]);
  });
});
