import { Inject } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import type { MqcConfig } from '@mqc/config';
import { BrokerNodeEntity, InstanceEntity, NODE_DEAD_MS } from '@mqc/db';
import { OperatorController } from '../../common/operator.guard';
import { GetRoute } from '../../common/route';
import { CONFIG } from '../../common/tokens';
import { instanceViewSchema } from '../instances/instance.dto';
import { instanceView } from '../instances/instance.view';

@OperatorController('v1/ops')
export class OpsFleetController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: MqcConfig,
  ) {}

  @GetRoute('nodes', { summary: 'Broker nodes, with what each serves', response: z.object({ items: z.array(z.record(z.string(), z.unknown())) }) })
  async nodes() {
    const nodes = await this.dataSource.getRepository(BrokerNodeEntity).find({ order: { name: 'ASC' } });
    const now = Date.now();
    return {
      items: nodes.map((n) => ({
        id: n.id,
        name: n.name,
        // OFFLINE once silent for as long as the fail-over takes it for dead; DRAINING while it hands its instances over.
        status: now - n.lastSeenAt.getTime() >= NODE_DEAD_MS ? 'OFFLINE' : n.draining ? 'DRAINING' : 'ONLINE',
        startedAt: n.startedAt,
        lastSeenAt: n.lastSeenAt,
        instances: n.instances,
      })),
    };
  }

  @GetRoute('instances', { summary: 'Every instance of every tenant', response: z.object({ items: z.array(instanceViewSchema.extend({ tenantId: z.uuid(), nodeId: z.uuid().nullable() })) }) })
  async instances() {
    const rows = await this.dataSource.getRepository(InstanceEntity).find({ order: { createdAt: 'ASC' } });
    return { items: rows.map((i) => ({ ...instanceView(i, this.config.publicHost), tenantId: i.tenantId, nodeId: i.nodeId })) };
  }
}
