import { Header } from '@nestjs/common';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { GetRoute } from '../../common/route';
import { InstanceIdParam, InstanceScopedController } from '../instances/instance-scoped';
import { CrlService } from './crl.service';

@InstanceScopedController('crl.pem')
export class CrlController {
  constructor(private readonly crls: CrlService) {}

  @GetRoute({
    summary: 'The CRL of the instance CA: its revoked device certificates, signed by that CA',
    description: 'Remade on every revocation; valid seven days (nextUpdate), remade a day before.',
    response: { contentType: 'application/x-pem-file', description: 'a PEM X509 CRL' },
    problems: [409],
  })
  @Header('content-type', 'application/x-pem-file')
  crl(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string): Promise<string> {
    return this.crls.current(caller.tenantId, id);
  }
}
