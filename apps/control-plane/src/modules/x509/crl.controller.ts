import { Controller, Get, Header, Param, UseGuards } from '@nestjs/common';
import { ApiDoc } from '../../common/api-doc';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { ResourceIdPipe } from '../../common/resource-id.pipe';
import { ApiKeyGuard } from '../api-keys/api-key.guard';
import { CrlService } from './crl.service';

@Controller('v1/instances/:id/crl.pem')
@UseGuards(ApiKeyGuard)
export class CrlController {
  constructor(private readonly crls: CrlService) {}

  @Get()
  @Header('content-type', 'application/x-pem-file')
  @ApiDoc({
    summary: 'The CRL of the instance CA: its revoked device certificates, signed by that CA',
    description: 'Remade on every revocation; valid seven days (nextUpdate), remade a day before.',
    response: { contentType: 'application/x-pem-file', description: 'a PEM X509 CRL' },
    problems: [409],
  })
  crl(@TenantCaller() caller: TenantCallerInfo, @Param('id', new ResourceIdPipe('instance')) id: string): Promise<string> {
    return this.crls.current(caller.tenantId, id);
  }
}
