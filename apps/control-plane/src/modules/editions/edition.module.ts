import { Global, Module } from '@nestjs/common';
import { EditionController, OpsEditionController } from './edition.controller';
import { EditionService } from './edition.service';

@Global()
@Module({ controllers: [EditionController, OpsEditionController], providers: [EditionService], exports: [EditionService] })
export class EditionModule {}
