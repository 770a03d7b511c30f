import { Module } from '@nestjs/common';
import { QuotaSetsController } from './quota-sets.controller';
import { QuotaSetsService } from './quota-sets.service';

/** Quota sign-off: sets, versions, submission, adjustments, revisions, the quotas in force. */
@Module({ controllers: [QuotaSetsController], providers: [QuotaSetsService] })
export class QuotaSetsModule {}
