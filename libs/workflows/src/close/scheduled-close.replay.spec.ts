/**
 * Replays every recorded run of the close Schedule against today's workflow code.
 * Record with `RECORD_HISTORIES=1 npx jest libs/workflows/src/close/scheduled-close.workflow.spec.ts`.
 */
import * as path from 'node:path';
import { describeReplay } from '../../../../test/support/histories';

describeReplay('scheduledCloseWorkflow', path.join(__dirname, '__histories__', 'scheduled-close'), { v1: 1 }, require.resolve('../workflows'));
