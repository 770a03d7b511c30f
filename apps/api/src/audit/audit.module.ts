import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { TraceService } from './trace.service';

/** The audit trail, its verification, and the auditor's trace of one subject. */
@Module({ controllers: [AuditController], providers: [TraceService] })
export class AuditModule {}
