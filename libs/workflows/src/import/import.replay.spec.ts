/**
 * Replays every recorded import history against today's workflow code.
 * Record with `RECORD_HISTORIES=1 npx jest libs/workflows/src/import/import.workflow.spec.ts`.
 */
import * as path from 'node:path';
import { describeReplay } from '../../../../test/support/histories';

describeReplay('importWorkflow', path.join(__dirname, '__histories__'), { v1: 3 }, require.resolve('../workflows'));
