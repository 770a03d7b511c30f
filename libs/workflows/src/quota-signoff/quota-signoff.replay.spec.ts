/**
 * Replays every recorded (generation 1: v1, v2; generation 2, the approval kernel: gen2-) quota-signoff history (all generations) against today's workflow code: a change
 * that is not replay-safe (missing `patched()`) fails here instead of in production.
 * Record with `RECORD_HISTORIES=1 RECORD_HISTORIES_PREFIX=<generation>- npx jest libs/workflows/src/quota-signoff/quota-signoff.workflow.spec.ts`.
 */
import * as path from 'node:path';
import { describeReplay } from '../../../../test/support/histories';

// The production bundle: the same entry the worker loads.
describeReplay('quotaSignoffWorkflow', path.join(__dirname, '__histories__'), { v1: 4, gen2: 4 }, require.resolve('../workflows'));
