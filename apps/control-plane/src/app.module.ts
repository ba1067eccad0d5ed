import { Global, Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { MqcConfig } from '@mqc/config';
import { dataSourceOptions } from '@mqc/db';
import { SecretBox } from '@mqc/domain';
import type { Logger, Registry } from '@mqc/observability';
import type { ChangeBus, JobProducer } from '@mqc/queue';
import type { Redis } from 'ioredis';
import { AuthFailureThrottle } from './common/auth-failure-throttle';
import { OperatorGuard } from './common/operator.guard';
import { OutboundPolicy } from './common/outbound-policy';
import { CHANGE_BUS, CONFIG, JOB_PRODUCER, LOGGER, METRICS, REDIS, SECRET_BOX } from './common/tokens';
import { ApiKeyModule } from './modules/api-keys/api-key.module';
import { AuditModule } from './modules/audit/audit.module';
import { AuthenticatorModule } from './modules/authenticators/authenticator.module';
import { AuthorizerModule } from './modules/authorizers/authorizer.module';
import { ClientModule } from './modules/clients/client.module';
import { DeviceModule } from './modules/devices/device.module';
import { EditionModule } from './modules/editions/edition.module';
import { HealthModule } from './modules/health/health.module';
import { InstanceModule } from './modules/instances/instance.module';
import { OpsFleetModule } from './modules/nodes/ops-fleet.module';
import { OpenApiModule } from './modules/openapi/openapi.module';
import { PskIdentityModule } from './modules/psk-identities/psk-identity.module';
import { TenantModule } from './modules/tenants/tenant.module';
import { UserModule } from './modules/users/user.module';
import { X509Module } from './modules/x509/x509.module';
import { CaCertificateModule } from './modules/ca-certificates/ca-certificate.module';
import { DeviceCertificateModule } from './modules/device-certificates/device-certificate.module';
import { JobModule } from './modules/jobs/job.module';
import { ActivityModule } from './modules/instance-activity/activity.module';

/** What main.ts (or a test) has already connected: the control plane is built around it. */
export interface ControlPlaneRuntime {
  config: MqcConfig;
  databaseUrl: string;
  logger: Logger;
  redis: Redis;
  changes: ChangeBus;
  jobs: JobProducer;
  metrics: Registry;
}

@Global()
@Module({})
class RuntimeModule {
  static of(runtime: ControlPlaneRuntime): DynamicModule {
    const providers = [
      { provide: CONFIG, useValue: runtime.config },
      { provide: LOGGER, useValue: runtime.logger },
      { provide: REDIS, useValue: runtime.redis },
      { provide: CHANGE_BUS, useValue: runtime.changes },
      { provide: JOB_PRODUCER, useValue: runtime.jobs },
      { provide: METRICS, useValue: runtime.metrics },
      { provide: SECRET_BOX, useValue: new SecretBox(runtime.config.masterKey) },
      // One count of failed authentications per process, shared by both guards.
      {
        provide: AuthFailureThrottle,
        useValue: new AuthFailureThrottle({
          onLimitReached: (source) => runtime.logger.warn({ source }, 'too many failed authentications: this source is refused (429) until its window ends'),
        }),
      },
      OperatorGuard,
      OutboundPolicy,
    ];
    return { module: RuntimeModule, providers, exports: providers };
  }
}

@Module({})
export class AppModule {
  static of(runtime: ControlPlaneRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RuntimeModule.of(runtime),
        // The control plane applies pending migrations when it starts (SPEC 6: versioned, no synchronize).
        TypeOrmModule.forRoot({ ...dataSourceOptions({ url: runtime.databaseUrl, applicationName: 'mqc-control-plane' }), migrationsRun: true }),
        AuditModule,
        ApiKeyModule,
        EditionModule,
        InstanceModule,
        TenantModule,
        AuthenticatorModule,
        AuthorizerModule,
        ClientModule,
        UserModule,
        DeviceModule,
        PskIdentityModule,
        OpsFleetModule,
        HealthModule,
        OpenApiModule,
        X509Module,
        CaCertificateModule,
        DeviceCertificateModule,
        JobModule,
        ActivityModule,
      ],
    };
  }
}
