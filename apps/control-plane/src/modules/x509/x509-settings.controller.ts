import { Body } from '@nestjs/common';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { parseInput } from '../../common/parse-input';
import { GetRoute, PutRoute } from '../../common/route';
import { InstanceIdParam, InstanceScopedController } from '../instances/instance-scoped';
import { x509SettingsSchema, x509SettingsViewSchema } from './x509-settings.dto';
import { X509SettingsService } from './x509-settings.service';


@InstanceScopedController('x509')
export class X509SettingsController {
  constructor(private readonly settings: X509SettingsService) {}

  @GetRoute({ summary: 'The X.509 settings of an instance (TLS until set)', response: x509SettingsViewSchema })
  get(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string) {
    return this.settings.get(caller.tenantId, id);
  }

  @PutRoute({
    summary: 'Set the X.509 mode: TLS (one-way), mTLS (client certificate from a trusted CA) or BYOC (one device one certificate)',
    description:
      'Applies to the instance TLS listener within a second, without a restart; open connections stay. BYOC and JITP provisioning need the professional edition (403 method-not-in-edition).',
    body: x509SettingsSchema,
    response: x509SettingsViewSchema,
    problems: [403, 422],
  })
  put(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Body() body: unknown) {
    return this.settings.put(caller.tenantId, id, parseInput(x509SettingsSchema, body), caller);
  }
}
