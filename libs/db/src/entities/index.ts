import { ApiKeyEntity } from './api-key.entity';
import { AuditEventEntity } from './audit-event.entity';
import { AuthenticatorEntity } from './authenticator.entity';
import { BrokerNodeEntity } from './broker-node.entity';
import { BuiltInUserEntity } from './built-in-user.entity';
import { EditionSettingEntity } from './edition-setting.entity';
import { InstancePortEntity } from './instance-port.entity';
import { InstanceEntity } from './instance.entity';
import { TenantEntity } from './tenant.entity';

export {
  ApiKeyEntity,
  AuditEventEntity,
  AuthenticatorEntity,
  BrokerNodeEntity,
  BuiltInUserEntity,
  EditionSettingEntity,
  InstanceEntity,
  InstancePortEntity,
  TenantEntity,
};
export type { NodeInstanceReport } from './broker-node.entity';

export const ENTITIES = [
  TenantEntity,
  ApiKeyEntity,
  EditionSettingEntity,
  BrokerNodeEntity,
  InstanceEntity,
  InstancePortEntity,
  AuthenticatorEntity,
  BuiltInUserEntity,
  AuditEventEntity,
];
