import { Module } from '@nestjs/common';
import { CodecController } from './codec.controller';

/** The payload codec endpoint for the Temporal Web UI (ops and admin). */
@Module({ controllers: [CodecController] })
export class CodecModule {}
