import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { MqcConfig } from '@mqc/config';
import { BrokerNodeEntity, InstanceEntity } from '@mqc/db';
import { OperatorGuard } from '../../common/operator.guard';
import { CONFIG } from '../../common/tokens';
import { instanceView } from '../instances/instance.view';

/** A node that has not heartbeaten for this long is reported offline. */
const OFFLINE_AFTER_MS = 15_000;

@Controller('v1/ops')
@UseGuards(OperatorGuard)
export class OpsFleetController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: MqcConfig,
  ) {}

  @Get('nodes')
  async nodes() {
    const nodes = await this.dataSource.getRepository(BrokerNodeEntity).find({ order: { name: 'ASC' } });
    const now = Date.now();
    return {
      items: nodes.map((n) => ({
        id: n.id,
        name: n.name,
        status: now - n.lastSeenAt.getTime() < OFFLINE_AFTER_MS ? 'ONLINE' : 'OFFLINE',
        startedAt: n.startedAt,
        lastSeenAt: n.lastSeenAt,
        instances: n.instances,
      })),
    };
  }

  @Get('instances')
  async instances() {
    const rows = await this.dataSource.getRepository(InstanceEntity).find({ order: { createdAt: 'ASC' } });
    return { items: rows.map((i) => ({ ...instanceView(i, this.config.publicHost), tenantId: i.tenantId, nodeId: i.nodeId })) };
  }
}
