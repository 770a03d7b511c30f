/**
 * Replays every recorded history of a delegated step's slice child against today's workflow code:
 * a change to the kernel that is not replay-safe (missing `patched()`) fails here.
 * Record with `RECORD_HISTORIES=1 node scripts/bootstrap.js test libs/workflows/src/quota-signoff/quota-signoff.workflow.spec.ts -t 'child workflows'`.
 */
import * as path from 'node:path';
import { describeReplay } from '../../../../test/support/histories';

describeReplay('approvalStepWorkflow', path.join(__dirname, '__histories__'), { v1: 1, v2: 1, v3: 1 }, require.resolve('../workflows'));
