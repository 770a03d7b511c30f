/**
 * Replays every recorded publish history against today's workflow code: a change that is not
 * replay-safe (missing `patched()`) fails here instead of in production.
 * Record with `RECORD_HISTORIES=1 node scripts/bootstrap.js test libs/workflows/src/publish/publish.workflow.spec.ts`.
 */
import * as path from 'node:path';
import { describeReplay } from '../../../../test/support/histories';

describeReplay('publishWorkflow', path.join(__dirname, '__histories__'), { v1: 3 }, require.resolve('../workflows'));
