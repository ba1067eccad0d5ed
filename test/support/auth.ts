import { randomInt } from 'node:crypto';
import { connect as connectTcp } from 'node:net';
import { expect } from 'vitest';
import { MqttClient, type IClientOptions } from 'mqtt';
import { eventually, type ApiClient } from '@mqc/testing';

/**
 * A window of listener ports below Linux's ephemeral range. testConfig() now chooses such a
 * window itself; kept only for specs written before it did (prefer plain testConfig()).
 */
export function portsBelowEphemeralRange(): { first: number; last: number } {
  const first = 20_000 + randomInt(0, 127) * 100;
  return { first, last: first + 99 };
}

/**
 * A loopback address of its own: all of 127.0.0.0/8 reaches the broker's 127.0.0.1 listeners.
 * The broker throttles failed CONNECTs per instance and source address, so tests that refuse
 * clients on purpose connect from fresh sources; only the throttle's own test uses one source.
 */
export function freshSource(): string {
  return `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

export type AttemptOptions = IClientOptions & {
  /** The local address the TCP connection comes from; a fresh one when not given. */
  source?: string;
};

/**
 * mqtt.js over a real TCP connection to an `mqtt://` endpoint, from `source`. Resolves on
 * CONNACK 0; rejects with mqtt.js's error, whose `code` is the refusal's return/reason code.
 */
export function connectFrom(url: string, options: AttemptOptions = {}): Promise<MqttClient> {
  const { hostname, port } = new URL(url);
  const { source = freshSource(), ...clientOptions } = options;
  const client = new MqttClient(() => connectTcp({ host: hostname, port: Number(port), localAddress: source }), {
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    ...clientOptions,
  });
  return new Promise((resolve, reject) => {
    const settle = (outcome: () => void) => {
      client.off('connect', onConnect).off('error', onError).off('close', onClose);
      outcome();
    };
    const onConnect = () => settle(() => resolve(client));
    const onError = (error: Error) => settle(() => (client.end(true), reject(error)));
    const onClose = () => settle(() => (client.end(true), reject(new Error('the connection closed before a CONNACK'))));
    client.on('connect', onConnect).on('error', onError).on('close', onClose);
  });
}

/** The CONNACK code a CONNECT gets: 0 when accepted (the client then disconnects at once). */
export async function connackCode(url: string, options: AttemptOptions = {}): Promise<number> {
  try {
    const client = await connectFrom(url, options);
    await client.endAsync();
    return 0;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    throw error;
  }
}

/** Retries until a CONNECT gets `expected` (a change applied on the broker); each try from a fresh source. */
export async function untilConnack(url: string, options: AttemptOptions, expected: number, timeoutMs = 10_000): Promise<void> {
  await eventually(async () => expect(await connackCode(url, options)).toBe(expected), timeoutMs, 100);
}

/** Resolves when the server ends the connection, with the reason code of its DISCONNECT (MQTT 5). */
export function whenClosed(client: MqttClient): Promise<{ reasonCode: number | undefined }> {
  return new Promise((resolve) => {
    let reasonCode: number | undefined;
    client.on('disconnect', (packet) => (reasonCode = packet.reasonCode));
    client.once('close', () => resolve({ reasonCode }));
  });
}

/**
 * Proves the server still serves `client` now: a QoS 1 PUBLISH is acknowledged. Rejects when
 * the connection is closed or closes first, so a dropped client fails the test at once.
 */
export async function stillServed(client: MqttClient, topic = 'probe/still-served'): Promise<void> {
  expect(client.connected, 'the client is still connected').toBe(true);
  await new Promise<void>((resolve, reject) => {
    const onClose = () => reject(new Error('the server closed the connection'));
    client.once('close', onClose);
    client.publish(topic, 'ping', { qos: 1 }, (error) => {
      client.off('close', onClose);
      if (error) reject(error);
      else resolve();
    });
  });
}

/** Adds an authenticator through the console API; returns its id. */
export async function addAuthenticator(api: ApiClient, instanceId: string, type: string, config: Record<string, unknown>, enabled = true): Promise<string> {
  const created = await api.post<{ id: string }>(`/v1/instances/${instanceId}/authenticators`, { type, config, enabled });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id;
}

export async function setPolicy(api: ApiClient, instanceId: string, anonymous: 'allow' | 'deny' | 'quick_deny', onBackendFailure: 'ignore' | 'deny'): Promise<void> {
  const updated = await api.put(`/v1/instances/${instanceId}/access-policy`, { anonymous, onBackendFailure });
  expect(updated.status, JSON.stringify(updated.body)).toBe(200);
}

/** MQTT 3.1.1 return codes and MQTT 5.0 reason codes the tests expect. */
export const V311 = { serverUnavailable: 3, badUsernameOrPassword: 4, notAuthorized: 5 } as const;
export const V5 = { badUsernameOrPassword: 0x86, notAuthorized: 0x87, serverUnavailable: 0x88, quotaExceeded: 0x97, connectionRateExceeded: 0x9f } as const;
