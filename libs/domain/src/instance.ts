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

export interface InstanceEndpoints {
  mqtt: string;
  mqtts: string;
  ws: string;
  /** MQTT over WebSocket over TLS: the mqtts port, which serves both (issue 15). */
  wss: string;
}

export function endpointsFor(host: string, ports: InstancePorts): InstanceEndpoints {
  const h = host.includes(':') ? `[${host}]` : host;
  return { mqtt: `mqtt://${h}:${ports.mqtt}`, mqtts: `mqtts://${h}:${ports.mqtts}`, ws: `ws://${h}:${ports.ws}/mqtt`, wss: `wss://${h}:${ports.mqtts}/mqtt` };
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
