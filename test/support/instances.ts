import { expect } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import type { EditionName } from '@mqc/editions';
import { ApiClient, eventually } from '@mqc/testing';
import type { Stack } from './stack';

export interface InstanceView {
  id: string;
  status: string;
  edition: string;
  endpoints: { mqtt: string; mqtts: string; ws: string } | null;
}

/** A new tenant with its API client. */
export async function newTenant(stack: Pick<Stack, 'operator'>, name = 'acme'): Promise<ApiClient> {
  const created = await stack.operator.post<{ apiKey: { secret: string } }>('/v1/ops/tenants', { name });
  expect(created.status).toBe(201);
  return stack.operator.withToken(created.body.apiKey.secret);
}

/** Creates an instance and waits until provisioning has made it RUNNING. */
export async function runningInstance(api: ApiClient, name: string, edition: EditionName = 'basic'): Promise<InstanceView> {
  const created = await api.post<InstanceView>('/v1/instances', { name, edition });
  expect(created.status).toBe(202);
  return eventually(async () => {
    const current = await api.get<InstanceView>(`/v1/instances/${created.body.id}`);
    expect(current.body.status).toBe('RUNNING');
    return current.body;
  }, 30_000);
}

export function portOf(url: string): number {
  return Number(new URL(url).port);
}

export function connectClient(url: string, options: mqtt.IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...options });
}

export function nextMessage(client: MqttClient): Promise<{ topic: string; payload: string }> {
  return new Promise((resolve) => client.once('message', (topic, payload) => resolve({ topic, payload: payload.toString() })));
}
