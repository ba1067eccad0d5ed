import type { IPublishPacket, QoS } from 'mqtt-packet';

export type PublishProperties = NonNullable<IPublishPacket['properties']>;

/**
 * An application message as the broker routes it: immutable after routing starts, shared by
 * every subscriber it is delivered to.
 */
export interface Message {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  /** MQTT 5 properties forwarded unaltered, without topic alias and subscription identifiers [MQTT-3.3.2-?]. */
  readonly properties?: PublishProperties;
  /** Epoch ms after which the message is no longer delivered (5.0 message expiry interval). */
  readonly expiresAt?: number;
  /** Client id of the publisher, for the no-local subscription option. */
  readonly publisherId?: string;
  /** Encoded PUBLISH per (protocol, qos, retain); only for messages without expiry, filled lazily. */
  encoded?: (Buffer | undefined)[];
}

/** One message on its way to one session: the granted QoS, retain flag and subscription ids. */
export interface Delivery {
  readonly message: Message;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly subscriptionIds?: readonly number[];
}

export function isExpired(message: Message, now: number): boolean {
  return message.expiresAt !== undefined && message.expiresAt <= now;
}
