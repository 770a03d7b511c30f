/**
 * Replays every recorded statement resend history against today's workflow code.
 * Record with `RECORD_HISTORIES=1 npx jest libs/workflows/src/close/statement-resend.workflow.spec.ts`.
 */
import * as path from 'node:path';
import { describeReplay } from '../../../../test/support/histories';

describeReplay('statementResendWorkflow', path.join(__dirname, '__histories__', 'statement-resend'), { v1: 2 }, require.resolve('../workflows'));
