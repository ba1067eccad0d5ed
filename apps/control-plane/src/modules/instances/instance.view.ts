import type { InstanceEntity } from '@mqc/db';
import { endpointsFor, type AuthorizationPolicy, type InstanceEndpoints, type InstanceStatus } from '@mqc/domain';
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

export function instanceView(instance: InstanceEntity, publicHost: string): InstanceView {
  const { mqttPort, mqttsPort, wsPort } = instance;
  return {
    id: instance.id,
    name: instance.name,
    edition: instance.edition,
    status: instance.status,
    statusReason: instance.statusReason,
    endpoints: mqttPort && mqttsPort && wsPort ? endpointsFor(publicHost, { mqtt: mqttPort, mqtts: mqttsPort, ws: wsPort }) : null,
    accessPolicy: {
      anonymous: instance.anonymousPolicy,
      onBackendFailure: instance.backendFailurePolicy,
      authorization: { noMatch: instance.authorizationNoMatch, denyAction: instance.authorizationDenyAction },
    },
    createdAt: instance.createdAt,
    updatedAt: instance.updatedAt,
  };
}
