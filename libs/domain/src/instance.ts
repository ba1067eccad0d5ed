/** SPEC section 3: PROVISIONING → RUNNING → (UPDATING) → DELETING → DELETED, or FAILED. */
export const INSTANCE_STATUSES = ['PROVISIONING', 'RUNNING', 'UPDATING', 'DELETING', 'DELETED', 'FAILED'] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

/** The statuses in which a broker node keeps an instance's listeners open. */
export const SERVED_STATUSES: readonly InstanceStatus[] = ['PROVISIONING', 'RUNNING', 'UPDATING'];

export interface InstancePorts {
  mqtt: number;
  mqtts: number;
  ws: number;
}

/**
 * The URLs clients use. An instance with ports of its own has the first four; one whose edition
 * is served on the shared endpoint only (issue 16) has only the shared two.
 */
export interface InstanceEndpoints {
  mqtt?: string;
  mqtts?: string;
  ws?: string;
  /** MQTT over WebSocket over TLS: the mqtts port, which serves both (issue 15). */
  wss?: string;
  /** The node's shared MQTT-over-TLS endpoint, by name (when the deployment has one). */
  mqttsShared?: string;
  /** MQTT over WebSocket over TLS on the same shared endpoint, by name. */
  wssShared?: string;
}

export function endpointsFor(host: string, ports: InstancePorts): InstanceEndpoints {
  const h = host.includes(':') ? `[${host}]` : host;
  return { mqtt: `mqtt://${h}:${ports.mqtt}`, mqtts: `mqtts://${h}:${ports.mqtts}`, ws: `ws://${h}:${ports.ws}/mqtt`, wss: `wss://${h}:${ports.mqtts}/mqtt` };
}

/**
 * The name a client gives (TLS SNI) to reach an instance on a node's shared endpoint, and that
 * the instance's server certificate carries: `<instance id>.<public domain>`.
 */
export function sharedTlsHost(instanceId: string, publicDomain: string): string {
  return `${instanceId.toLowerCase()}.${publicDomain.toLowerCase()}`;
}

/** The instance id a shared-endpoint server name stands for, or undefined for a name outside the domain. */
export function instanceOfSharedHost(serverName: string, publicDomain: string): string | undefined {
  const suffix = `.${publicDomain.toLowerCase()}`;
  const name = serverName.toLowerCase();
  if (!name.endsWith(suffix)) return undefined;
  const label = name.slice(0, -suffix.length);
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(label) ? label : undefined;
}

/** The status reason a broker node writes when it cannot open an instance's listeners. */
export function listenerFailureReason(error: unknown): string {
  return `the broker node could not open the listeners: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * Whether the node an instance is placed on keeps trying to serve it: a served status, or
 * FAILED because the node could not open its listeners (retried until it can, then RUNNING).
 */
export function nodeServes(instance: { status: InstanceStatus; listenersFailed: boolean }): boolean {
  return SERVED_STATUSES.includes(instance.status) || (instance.status === 'FAILED' && instance.listenersFailed);
}
