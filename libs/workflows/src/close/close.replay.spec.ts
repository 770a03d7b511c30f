/**
 * Replays every recorded close history against today's workflow code: a change that is not
 * replay-safe (missing `patched()`) fails here instead of in production.
 * Record with `RECORD_HISTORIES=1 npx jest libs/workflows/src/close/close.workflow.spec.ts`.
 */
import * as path from 'node:path';
import { describeReplay } from '../../../../test/support/histories';

describeReplay('closeWorkflow', path.join(__dirname, '__histories__'), { v1: 2, v2: 4 }, require.resolve('../workflows'));
