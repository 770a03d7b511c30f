/**
 * Replays every recorded (generation 1: v1, v2; generation 2, the approval kernel: gen2-; generation 3, the document and
 * the invite in local activities: gen3-) plan-acceptance history (all generations) against today's workflow code: a change
 * that is not replay-safe (missing `patched()`) fails here instead of in production.
 * Record with `RECORD_HISTORIES=1 RECORD_HISTORIES_PREFIX=<generation>- npx jest libs/workflows/src/plan-acceptance/plan-acceptance.workflow.spec.ts`.
 */
import * as path from 'node:path';
import { describeReplay } from '../../../../test/support/histories';

// The production bundle: the same entry the worker loads.
describeReplay('planAcceptanceWorkflow', path.join(__dirname, '__histories__'), { v1: 4, v2: 4, gen2: 5, gen3: 5 }, require.resolve('../workflows'));
