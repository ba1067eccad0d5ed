import { Header } from '@nestjs/common';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { DomainError } from '../../common/domain-errors';
import { GetRoute } from '../../common/route';
import { InstanceIdParam, InstanceScopedController } from './instance-scoped';
import { OwnedInstances } from './owned-instances';

/** The CA bundle clients need to verify the instance's TLS endpoints (SPEC 3). */
@InstanceScopedController('ca.pem')
export class InstanceCaController {
  constructor(private readonly instances: OwnedInstances) {}

  @GetRoute({
    summary: 'The CA bundle that signs the instance server certificate',
    response: { contentType: 'application/x-pem-file', description: 'PEM certificate(s)' },
    problems: [409],
  })
  @Header('content-type', 'application/x-pem-file')
  async caBundle(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string): Promise<string> {
    const instance = await this.instances.find(caller.tenantId, id);
    if (!instance.caCertPem) throw new DomainError('conflict', 'ca-not-ready', 'the instance CA is made during provisioning; try again shortly');
    return instance.caCertPem;
  }
}
