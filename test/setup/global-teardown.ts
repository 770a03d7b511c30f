import { stopTestStack } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const stack = globalThis.__QUOTAFLOW_TEST_STACK__;
  if (!stack) return;
  globalThis.__QUOTAFLOW_TEST_STACK__ = undefined;
  await stopTestStack(stack);
}
