/**
 * Replays every recorded (generation 1: v1, v2; generation 2, the approval kernel: gen2-) territory-change history (all generations) against today's workflow code: a change
 * that is not replay-safe (missing `patched()`) fails here instead of in production.
 * Record with `RECORD_HISTORIES=1 RECORD_HISTORIES_PREFIX=<generation>- npx jest libs/workflows/src/territory-change/territory-change.workflow.spec.ts`.
 */
import * as path from 'node:path';
import { describeReplay } from '../../../../test/support/histories';

// The production bundle: the same entry the worker loads.
describeReplay('territoryChangeWorkflow', path.join(__dirname, '__histories__'), { v1: 3, gen2: 3 }, require.resolve('../workflows'));
