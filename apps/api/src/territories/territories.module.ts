import { Module } from '@nestjs/common';
import { TerritoriesController } from './territories.controller';
import { TerritoriesService } from './territories.service';

/** Territories, account ownership over time, and territory changes. */
@Module({ controllers: [TerritoriesController], providers: [TerritoriesService] })
export class TerritoriesModule {}
