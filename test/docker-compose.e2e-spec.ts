import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CONFIG_VARIABLES } from '@quotaflow/config';

/*
 * Docker cannot run here: these checks keep docker-compose.yml in step with the app's config and
 * with issue 8's production shape (item 14): Temporal's server image with its schema from
 * admin-tools (no deprecated auto-setup), pinned images, the application on its own database login,
 * and no secret written into the file.
 */

interface ComposeService {
  build?: unknown;
  image?: string;
  command?: string[] | string;
  entrypoint?: string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: Record<string, { condition: string }> | string[];
  secrets?: string[];
  ports?: string[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { environment?: string; file?: string }>;
}

const text = readFileSync(join(__dirname, '..', 'docker-compose.yml'), 'utf8');
const compose = parse(text, { merge: true }) as ComposeFile;
const APP_SERVICES = ['api', 'worker', 'migrate'];

function variablesOf(service: ComposeService): string[] {
  const env = service.environment ?? {};
  return Array.isArray(env) ? env.map((entry) => entry.split('=')[0]!) : Object.keys(env);
}
function envOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) return Object.fromEntries(env.map((e) => [e.split('=')[0]!, e.split('=').slice(1).join('=')]));
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}
const REQUIRED_FROM_ENV = /^\$\{[A-Z][A-Z0-9_]*:\?[^}]*\}$/;

describe('docker-compose.yml', () => {
  it.each(['api', 'worker'])('%s is built from the Dockerfile', (name) => {
    const service = compose.services[name];
    expect(service).toBeDefined();
    expect(service!.build).toBeDefined();
    expect((service!.command as string[]).join(' ')).toContain(`dist/apps/${name}/src/main.js`);
  });

  it.each(APP_SERVICES)('%s sets only variables the app knows (CONFIG_VARIABLES)', (name) => {
    const known = new Set<string>(CONFIG_VARIABLES);
    expect(variablesOf(compose.services[name]!).filter((variable) => !known.has(variable))).toEqual([]);
  });

  it.each(['api', 'worker'])('%s gets every secret from a docker secret or the environment', (name) => {
    const variables = variablesOf(compose.services[name]!);
    for (const required of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL', 'JWT_SECRET_FILE', 'AUDIT_HMAC_KEY_FILE', 'TEMPORAL_CODEC_KEYS_FILE']) expect(variables).toContain(required);
    const env = envOf(compose.services[name]!);
    for (const file of ['JWT_SECRET_FILE', 'AUDIT_HMAC_KEY_FILE', 'TEMPORAL_CODEC_KEYS_FILE']) {
      const secret = env[file]!.replace('/run/secrets/', '');
      expect(env[file]).toBe(`/run/secrets/${secret}`);
      expect(compose.services[name]!.secrets).toContain(secret);
      expect(compose.secrets?.[secret]).toEqual({ environment: expect.stringMatching(/^[A-Z][A-Z0-9_]*$/) });
    }
  });

  it('writes no secret into the file: every password, key and secret is required from the environment', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [variable, value] of Object.entries(envOf(service))) {
        if (/PASSWORD|PWD|SECRET|KEY/.test(variable) && !variable.endsWith('_FILE')) {
          expect({ service: name, variable, value: REQUIRED_FROM_ENV.test(value) ? 'from the environment' : value }).toEqual({ service: name, variable, value: 'from the environment' });
        }
        if (variable.endsWith('_FILE')) expect(value).toMatch(/^\/run\/secrets\/[a-z_]+$/);
        const password = /^postgres(ql)?:\/\/[^:/@]+:([^@]*)@/.exec(value)?.[2];
        if (password !== undefined) expect({ service: name, variable, password: REQUIRED_FROM_ENV.test(password) ? 'from the environment' : password }).toEqual({ service: name, variable, password: 'from the environment' });
      }
    }
    for (const [name, secret] of Object.entries(compose.secrets ?? {})) expect({ name, source: Object.keys(secret) }).toEqual({ name, source: ['environment'] });
    // no `${VAR:-default}` anywhere: a default would be a secret in the file
    expect(text.match(/\$\{[A-Z0-9_]+:-[^}]*\}/g) ?? []).toEqual([]);
  });

  it('runs the application on its own database login, not the server superuser nor the schema owner', () => {
    const superuser = envOf(compose.services.postgres!).POSTGRES_USER;
    const loginOf = (url: string | undefined) => (url ? /^postgres(ql)?:\/\/([^:/@]+)/.exec(url)?.[2] : undefined);
    const owner = loginOf(envOf(compose.services.migrate!).DATABASE_MIGRATION_URL);
    expect(owner).toBeDefined();
    expect(owner).not.toBe(superuser);
    for (const name of APP_SERVICES) {
      const app = loginOf(envOf(compose.services[name]!).DATABASE_URL);
      expect({ name, app }).toEqual({ name, app: 'quotaflow_app_user' });
      expect(app).not.toBe(superuser);
      expect(app).not.toBe(owner);
    }
    expect(envOf(compose.services.temporal!).POSTGRES_USER).not.toBe(superuser);
  });

  it('uses temporalio/server with its schema from admin-tools (temporal-sql-tool), not the deprecated auto-setup', () => {
    for (const [name, service] of Object.entries(compose.services)) expect({ name, image: service.image ?? '' }).not.toEqual({ name, image: expect.stringMatching(/auto-setup/) });
    expect(compose.services.temporal!.image).toMatch(/^temporalio\/server:\d+\.\d+\.\d+$/);
    const schema = Object.entries(compose.services).find(([, s]) => JSON.stringify(s.command ?? '').includes('temporal-sql-tool'));
    expect(schema?.[1].image).toMatch(/^temporalio\/admin-tools:\d+\.\d+\.\d+$/);
    expect(compose.services.temporal!.image!.split(':')[1]).toBe(schema![1].image!.split(':')[1]);
    const dependsOn = compose.services.temporal!.depends_on as Record<string, { condition: string }>;
    expect(dependsOn[schema![0]]).toEqual({ condition: 'service_completed_successfully' });
    expect(JSON.stringify(schema![1].command)).toMatch(/update-schema -d \/etc\/temporal\/schema\/postgresql\/v12\/temporal\/versioned/);
    expect(JSON.stringify(schema![1].command)).toMatch(/update-schema -d \/etc\/temporal\/schema\/postgresql\/v12\/visibility\/versioned/);
  });

  it('pins every image to a version (no latest, no floating major)', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.build) continue;
      expect({ name, image: service.image }).toEqual({ name, image: expect.stringMatching(/^[a-z0-9./-]+:v?\d+\.\d+(\.\d+)?(-[a-z0-9.]+)?$/) });
    }
  });

  it('has the infrastructure the apps point at, and waits for it', () => {
    for (const name of ['postgres', 'temporal', 'temporal-ui', 'mailpit', 'migrate']) expect(compose.services[name]).toBeDefined();
    for (const name of ['api', 'worker']) {
      const dependsOn = compose.services[name]!.depends_on as Record<string, { condition: string }>;
      expect(dependsOn.postgres?.condition).toBe('service_healthy');
      expect(dependsOn.temporal?.condition).toBe('service_healthy');
      expect(dependsOn.migrate?.condition).toBe('service_completed_successfully');
    }
    expect(variablesOf(compose.services.temporal!)).toEqual(expect.arrayContaining(['DB', 'POSTGRES_SEEDS']));
    // Temporal's frontend has no authorisation of its own: not published to the host
    expect(compose.services.temporal!.ports).toBeUndefined();
  });
});
