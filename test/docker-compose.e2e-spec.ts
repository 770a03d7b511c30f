import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CONFIG_VARIABLES } from '@quotaflow/config';

/* Docker cannot run here: these checks keep docker-compose.yml in step with the app's config. */

interface ComposeService {
  build?: unknown;
  image?: string;
  command?: string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: Record<string, { condition: string }> | string[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
}

const compose = parse(readFileSync(join(__dirname, '..', 'docker-compose.yml'), 'utf8'), { merge: true }) as ComposeFile;

function variablesOf(service: ComposeService): string[] {
  const env = service.environment ?? {};
  return Array.isArray(env) ? env.map((entry) => entry.split('=')[0]!) : Object.keys(env);
}

describe('docker-compose.yml', () => {
  it.each(['api', 'worker'])('%s is built from the Dockerfile', (name) => {
    const service = compose.services[name];
    expect(service).toBeDefined();
    expect(service!.build).toBeDefined();
    expect(service!.command?.join(' ')).toContain(`dist/apps/${name}/src/main.js`);
  });

  it.each(['api', 'worker'])('%s sets only variables the app knows (CONFIG_VARIABLES)', (name) => {
    const known = new Set<string>(CONFIG_VARIABLES);
    const variables = variablesOf(compose.services[name]!);
    expect(variables.filter((variable) => !known.has(variable))).toEqual([]);
    for (const required of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL', 'JWT_SECRET']) expect(variables).toContain(required);
  });

  it('has the infrastructure the apps point at, and waits for it', () => {
    for (const name of ['postgres', 'temporal', 'temporal-ui', 'mailpit']) expect(compose.services[name]).toBeDefined();
    for (const name of ['api', 'worker']) {
      const dependsOn = compose.services[name]!.depends_on as Record<string, { condition: string }>;
      expect(dependsOn.postgres?.condition).toBe('service_healthy');
      expect(dependsOn.temporal?.condition).toBe('service_healthy');
    }
    expect(variablesOf(compose.services.temporal!)).toEqual(expect.arrayContaining(['DB', 'POSTGRES_SEEDS']));
  });
});
