import { Body, Param } from '@nestjs/common';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { parseInput } from '../../common/parse-input';
import { ResourceIdPipe } from '../../common/resource-id.pipe';
import { DeleteRoute, GetRoute, PatchRoute, PostRoute } from '../../common/route';
import { InstanceIdParam, InstanceScopedController } from '../instances/instance-scoped';
import { caListSchema, caViewSchema, registerCaSchema, registrationCodeSchema, updateCaSchema } from './ca-certificate.dto';
import { CaCertificateService } from './ca-certificate.service';

const caId = new ResourceIdPipe('ca-certificate');

@InstanceScopedController('ca-certificates')
export class CaCertificateController {
  constructor(private readonly cas: CaCertificateService) {}

  @PostRoute('registration-code', {
    summary: 'A registration code: the CN of the verification certificate that proves possession of a CA key',
    description: 'Single use, valid one hour. Professional edition and up.',
    response: registrationCodeSchema,
    problems: [403],
  })
  registrationCode(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string) {
    return this.cas.registrationCode(caller.tenantId, id, caller);
  }

  @GetRoute({ summary: 'The registered CAs of an instance', response: caListSchema })
  list(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string) {
    return this.cas.list(caller.tenantId, id);
  }

  @PostRoute({
    summary: 'Register a CA with a verification certificate (CN = a registration code, signed by the CA key)',
    description:
      'A refused proof is a 422 whose code says why: verification-cn-mismatch, verification-not-signed-by-ca, verification-expired, ca-expired, ca-not-yet-valid, ca-not-a-ca, ca-not-self-signed, malformed-certificate. An ACTIVE CA is trusted by the instance TLS listener within a second. At most the edition quota (409 quota-exceeded).',
    body: registerCaSchema,
    response: caViewSchema,
    problems: [403, 409, 422],
  })
  register(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Body() body: unknown) {
    return this.cas.register(caller.tenantId, id, parseInput(registerCaSchema, body), caller);
  }

  @GetRoute(':caId', { summary: 'Get a registered CA', response: caViewSchema })
  get(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Param('caId', caId) ca: string) {
    return this.cas.get(caller.tenantId, id, ca);
  }

  @PatchRoute(':caId', {
    summary: 'Activate or deactivate a CA, or switch its auto-registration',
    description: 'An INACTIVE CA is no longer trusted by the TLS listener; devices connected with its certificates are disconnected.',
    body: updateCaSchema,
    response: caViewSchema,
    problems: [403, 422],
  })
  update(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Param('caId', caId) ca: string, @Body() body: unknown) {
    return this.cas.update(caller.tenantId, id, ca, parseInput(updateCaSchema, body), caller);
  }

  @DeleteRoute(':caId', { summary: 'Delete a registered CA and the device certificates it issued; their devices are disconnected' })
  async delete(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Param('caId', caId) ca: string) {
    await this.cas.delete(caller.tenantId, id, ca, caller);
  }
}
