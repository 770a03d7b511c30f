import { Module } from '@nestjs/common';
import { PeopleController } from './people.controller';
import { PeopleService } from './people.service';

/** People and teams. */
@Module({ controllers: [PeopleController], providers: [PeopleService] })
export class PeopleModule {}
