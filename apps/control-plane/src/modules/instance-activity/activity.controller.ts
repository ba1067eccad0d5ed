import { Get, Query } from '@nestjs/common';
import { ApiDoc } from '../../common/api-doc';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { parseInput } from '../../common/parse-input';
import { InstanceIdParam, InstanceScopedController } from '../instances/instance-scoped';
import { eventPageSchema, eventsQuerySchema, historyQuerySchema, historySchema, metricsSchema } from './activity.dto';
import { ActivityService } from './activity.service';

/** Issue 15: what an instance is doing, read from where the broker node serving it writes every second. */
@InstanceScopedController('metrics')
export class MetricsController {
  constructor(private readonly activity: ActivityService) {}

  @Get()
  @ApiDoc({
    summary: "The instance's current counts and rates, at most a few seconds old",
    description: 'Gauges (connections, sessions, subscriptions, retained) and rates as the serving broker node wrote them within the last second or two; counters since the instance was created, summed over nodes.',
    response: metricsSchema,
  })
  metrics(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string) {
    return this.activity.metrics(caller.tenantId, id);
  }

  @Get('history')
  @ApiDoc({
    summary: 'The same figures as a time series',
    description: 'One point a second is kept for the last hour, one a minute for 30 days. A step above the resolution sums the counts and keeps the last gauges of each bucket. At most 3,600 points per answer.',
    query: historyQuerySchema,
    response: historySchema,
    problems: [422],
  })
  history(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Query() query: unknown) {
    return this.activity.history(caller.tenantId, id, parseInput(historyQuerySchema, query));
  }
}

@InstanceScopedController('events')
export class EventsController {
  constructor(private readonly activity: ActivityService) {}

  @Get()
  @ApiDoc({
    summary: "The instance's event log, newest first",
    description:
      'client.connected, client.disconnected (with the reason), client.connect-refused (client id, user name, source, the reason a 5.0 client reads in its CONNACK, the code sent, the deciding authenticator), client.throttled, authorization.denied (with the deciding rule) and message.dropped (sampled, with the reason). Kept per instance up to the edition\'s eventLogEntries (1,000 / 10,000 / 50,000); a page scans at most 5,000 events, so a narrow filter may answer fewer items with a nextCursor.',
    query: eventsQuerySchema,
    response: eventPageSchema,
    problems: [422],
  })
  events(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Query() query: unknown) {
    return this.activity.events(caller.tenantId, id, parseInput(eventsQuerySchema, query));
  }
}
