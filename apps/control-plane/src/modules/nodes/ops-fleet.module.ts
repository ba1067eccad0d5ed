import { Module } from '@nestjs/common';
import { OpsFleetController } from './ops-fleet.controller';

@Module({ controllers: [OpsFleetController] })
export class OpsFleetModule {}
