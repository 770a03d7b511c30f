/**
 * Replays every recorded plan-acceptance history (all generations) against today's workflow code: a change
 * that is not replay-safe (missing `patched()`) fails here instead of in production.
 * Record with `RECORD_HISTORIES=1 RECORD_HISTORIES_PREFIX=<generation>- npx jest libs/workflows/src/plan-acceptance/plan-acceptance.workflow.spec.ts`.
 */
import * as path from 'node:path';
import { describeReplay } from '../../../../test/support/histories';

// The production bundle: the same entry the worker loads.
describeReplay('planAcceptanceWorkflow', path.join(__dirname, '__histories__'), 4, require.resolve('../workflows'));
