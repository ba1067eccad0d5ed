import { Module } from '@nestjs/common';
import { EventsController, MetricsController } from './activity.controller';
import { ActivityService } from './activity.service';

@Module({ controllers: [MetricsController, EventsController], providers: [ActivityService] })
export class ActivityModule {}
