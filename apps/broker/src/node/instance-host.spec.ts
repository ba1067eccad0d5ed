import type { InstanceEntity } from '@mqc/db';
import { EDITIONS } from '@mqc/editions';
import { describe, expect, it } from 'vitest';
import { limitsFor, MAX_PACKET_SIZE } from './instance-host';

describe('limitsFor', () => {
  it('applies the edition\'s quotas and memory limits to the protocol engine', () => {
    const limits = limitsFor({ edition: 'basic' } as InstanceEntity);
    const { quotas, limits: edition } = EDITIONS.basic;
    expect(limits).toMatchObject({
      maxConnections: quotas.maxConnections,
      messagesPerSecond: quotas.messagesPerSecond,
      maxPacketSize: edition.maxPacketSize,
      maxRetainedMessages: edition.retainedMessages,
      maxRetainedBytes: edition.retainedBytes,
      maxSubscriptionsPerClient: edition.subscriptionsPerClient,
      maxSubscriptionsPerInstance: edition.subscriptionsPerInstance,
      maxQueuedMessages: edition.queuedMessagesPerSession,
      maxQueuedBytes: edition.queuedBytesPerSession,
      maxSessions: edition.sessionsPerInstance,
      maxQueuedBytesPerInstance: edition.queuedBytesPerInstance,
      maxInflight: edition.inflightWindow,
      receiveMaximum: edition.inflightWindow,
      keepAliveMaxSeconds: edition.keepAliveMaxSeconds,
      maxSessionExpirySeconds: edition.sessionExpiryMaxSeconds,
    });
    expect(limitsFor({ edition: 'platinum' } as InstanceEntity).maxRetainedBytes).toBe(EDITIONS.platinum.limits.retainedBytes);
  });

  it('caps a 5.0 client\'s keep alive per edition: 60 s on basic (what the Paho suite expects for 120), longer for sleepier fleets above', () => {
    expect(['basic', 'professional', 'platinum'].map((edition) => limitsFor({ edition } as InstanceEntity).keepAliveMaxSeconds)).toEqual([60, 300, 1200]);
  });

  it('caps session expiry per edition: 7 days on basic (AWS IoT\'s cap), 14 and 30 days above', () => {
    expect(['basic', 'professional', 'platinum'].map((edition) => limitsFor({ edition } as InstanceEntity).maxSessionExpirySeconds / 86_400)).toEqual([7, 14, 30]);
  });

  it('lets the WebSocket listener carry the largest packet any edition allows', () => {
    expect(MAX_PACKET_SIZE).toBe(EDITIONS.platinum.limits.maxPacketSize);
  });
});
