import type { InstanceEntity } from '@mqc/db';
import { endpointsFor, sharedTlsHost, type AuthorizationPolicy, type InstanceEndpoints, type InstanceStatus } from '@mqc/domain';
import { hasDedicatedPorts, type EditionName } from '@mqc/editions';

export interface InstanceView {
  id: string;
  name: string;
  edition: EditionName;
  status: InstanceStatus;
  statusReason: string | null;
  /** Null until provisioning has allocated the ports; only the shared ones for an instance served on the shared endpoint only. */
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
  return {
    id: instance.id,
    name: instance.name,
    edition: instance.edition,
    status: instance.status,
    statusReason: instance.statusReason,
    endpoints: endpointsOf(instance, publicHost, shared),
    accessPolicy: {
      anonymous: instance.anonymousPolicy,
      onBackendFailure: instance.backendFailurePolicy,
      authorization: { noMatch: instance.authorizationNoMatch, denyAction: instance.authorizationDenyAction },
    },
    createdAt: instance.createdAt,
    updatedAt: instance.updatedAt,
  };
}

/**
 * The instance's own ports once allocated, and the shared endpoint (mqtts and wss by name)
 * where the deployment has one. An instance whose edition gets no dedicated ports (issue 16)
 * shows the shared two only, from its creation on: they need no allocation.
 */
function endpointsOf(instance: InstanceEntity, publicHost: string, shared?: SharedEndpoint): InstanceEndpoints | null {
  const { mqttPort, mqttsPort, wsPort } = instance;
  const host = shared?.port !== undefined && shared.publicDomain ? sharedTlsHost(instance.id, shared.publicDomain) : undefined;
  const sharedForms = host === undefined ? undefined : { mqttsShared: `mqtts://${host}:${shared!.port}`, wssShared: `wss://${host}:${shared!.port}/mqtt` };
  if (mqttPort && mqttsPort && wsPort) return { ...endpointsFor(publicHost, { mqtt: mqttPort, mqtts: mqttsPort, ws: wsPort }), ...sharedForms };
  if (sharedForms && !hasDedicatedPorts(instance.edition, true)) return sharedForms;
  return null;
}
