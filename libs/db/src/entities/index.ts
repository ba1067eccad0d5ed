import { ApiKeyEntity } from './api-key.entity';
import { AuditEventEntity } from './audit-event.entity';
import { AuthenticatorMetricsEntity } from './authenticator-metrics.entity';
import { AuthenticatorEntity } from './authenticator.entity';
import { BrokerNodeEntity } from './broker-node.entity';
import { BuiltInUserEntity } from './built-in-user.entity';
import { DeviceEntity } from './device.entity';
import { EditionSettingEntity } from './edition-setting.entity';
import { InstancePortEntity } from './instance-port.entity';
import { InstanceEntity } from './instance.entity';
import { TenantEntity } from './tenant.entity';
import { ScramCredentialEntity } from './scram-credential.entity';
import { PskIdentityEntity } from './psk-identity.entity';
import { CaCertificateEntity } from './ca-certificate.entity';
import { CaRegistrationCodeEntity } from './ca-registration-code.entity';
import { CertificateJobEntity } from './certificate-job.entity';
import { DeviceCertificateEntity } from './device-certificate.entity';
import { InstanceCrlEntity } from './instance-crl.entity';
import { InstanceX509SettingsEntity } from './instance-x509-settings.entity';
import { AuthorizerEntity } from './authorizer.entity';
import { AclRuleEntity } from './acl-rule.entity';
import { AuthorizerMetricsEntity } from './authorizer-metrics.entity';

export {
  ApiKeyEntity,
  AuditEventEntity,
  AuthenticatorEntity,
  AuthenticatorMetricsEntity,
  BrokerNodeEntity,
  BuiltInUserEntity,
  DeviceEntity,
  EditionSettingEntity,
  InstanceEntity,
  InstancePortEntity,
  TenantEntity,
  ScramCredentialEntity,
  PskIdentityEntity,
  CaCertificateEntity,
  CaRegistrationCodeEntity,
  CertificateJobEntity,
  DeviceCertificateEntity,
  InstanceCrlEntity,
  InstanceX509SettingsEntity,
  AuthorizerEntity,
  AclRuleEntity,
  AuthorizerMetricsEntity,
};
export type { CertificateJobItem, CertificateJobRequest, CertificateJobStatus } from './certificate-job.entity';
export type { NodeInstanceReport } from './broker-node.entity';
export type { DeviceStatus } from './device.entity';

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
  DeviceEntity,
  AuthenticatorMetricsEntity,
  ScramCredentialEntity,
  PskIdentityEntity,
  InstanceX509SettingsEntity,
  CaRegistrationCodeEntity,
  CaCertificateEntity,
  CertificateJobEntity,
  DeviceCertificateEntity,
  InstanceCrlEntity,
  AuthorizerEntity,
  AclRuleEntity,
  AuthorizerMetricsEntity,
];
