import type { InstanceEntity } from '@mqc/db';
import { endpointsFor, sharedTlsHost, type AuthorizationPolicy, type InstanceEndpoints, type InstanceStatus } from '@mqc/domain';
import type { EditionName } from '@mqc/editions';

export interface InstanceView {
  id: string;
  name: string;
  edition: EditionName;
  status: InstanceStatus;
  statusReason: string | null;
  /** Null until provisioning has allocated the ports. */
  endpoints: InstanceEndpoints | null;
  accessPolicy: { anonymous: string; onBackendFailure: string; authorization: AuthorizationPolicy };
  createdAt: Date;
  updatedAt: Date;
}

/** The nodes' shared TLS endpoint, when the deployment has one (MQC_SHARED_TLS_PORT, MQC_PUBLIC_DOMAIN). */
export interface SharedEndpoint {
  port: number | undefined;
  publicDomain: string | undefined;
}

export function instanceView(instance: InstanceEntity, publicHost: string, shared?: SharedEndpoint): InstanceView {
  const { mqttPort, mqttsPort, wsPort } = instance;
  const mqttsShared = shared?.port !== undefined && shared.publicDomain ? { mqttsShared: `mqtts://${sharedTlsHost(instance.id, shared.publicDomain)}:${shared.port}`, wssShared: `wss://${sharedTlsHost(instance.id, shared.publicDomain)}:${shared.port}/mqtt` } : {};
  return {
    id: instance.id,
    name: instance.name,
    edition: instance.edition,
    status: instance.status,
    statusReason: instance.statusReason,
    endpoints: mqttPort && mqttsPort && wsPort ? { ...endpointsFor(publicHost, { mqtt: mqttPort, mqtts: mqttsPort, ws: wsPort }), ...mqttsShared } : null,
    accessPolicy: {
      anonymous: instance.anonymousPolicy,
      onBackendFailure: instance.backendFailurePolicy,
      authorization: { noMatch: instance.authorizationNoMatch, denyAction: instance.authorizationDenyAction },
    },
    createdAt: instance.createdAt,
    updatedAt: instance.updatedAt,
  };
}
