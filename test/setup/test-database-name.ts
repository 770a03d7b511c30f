/** Tests may only ever write into databases whose name says so. */
export function assertTestDatabaseName(name: string): void {
  if (!/test/i.test(name)) {
    throw new Error(`refusing to use database "${name}" in tests: its name must contain "test"`);
  }
}

export const TEMPLATE_DB_BASE = 'quotaflow_test_template';
