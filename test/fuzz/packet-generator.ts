import mqttPacket, { type IConnectPacket, type Packet, type UserProperties } from 'mqtt-packet';
import type { Prng } from './prng';

export type ProtocolVersion = 4 | 5;

/** Every packet type, PUBLISH once per QoS: what the fuzzer generates and counts. */
export const PACKET_KINDS = [
  'connect',
  'connack',
  'publish-qos0',
  'publish-qos1',
  'publish-qos2',
  'puback',
  'pubrec',
  'pubrel',
  'pubcomp',
  'subscribe',
  'suback',
  'unsubscribe',
  'unsuback',
  'pingreq',
  'pingresp',
  'disconnect',
  'auth',
] as const;
export type PacketKind = (typeof PACKET_KINDS)[number];

export interface GeneratedPacket {
  kind: PacketKind;
  bytes: Buffer;
}

/**
 * A small vocabulary, so topics, client ids and sessions repeat (subscriptions match publishes,
 * take-overs happen) and what the broker may legitimately keep (retained messages, sessions)
 * stays bounded; the rest of the strings are random, multi-byte and forbidden characters included.
 */
const WORDS = ['a', 'b', 'sensor', 'fuzz', 'temp', '温度', 'ä', 'x y', '$SYS', '$share', 'g', '', ' ', '+', '#', 'état'];
const CHARS = ['a', 'z', '0', '/', '+', '#', '$', ' ', 'é', '温', '😀', '\u0000', '\u007f', '\uffff', '\u2028'];
const CLIENT_ID_POOL = 300;
const REASON_CODES = [0x00, 0x01, 0x02, 0x04, 0x10, 0x11, 0x18, 0x19, 0x80, 0x81, 0x82, 0x83, 0x87, 0x8c, 0x8e, 0x90, 0x91, 0x92, 0x97, 0x99];

export function randomText(prng: Prng, maxLength = 64): string {
  if (prng.chance(0.5)) return prng.pick(WORDS);
  const length = prng.size(maxLength);
  let text = '';
  for (let i = 0; i < length; i++) text += prng.chance(0.8) ? String.fromCharCode(prng.int(0x21, 0x7e)) : prng.pick(CHARS);
  return text;
}

/** Mostly well-formed topic names from the vocabulary; now and then wildcards, `$share` or noise. */
export function randomTopic(prng: Prng): string {
  const roll = prng.next();
  if (roll < 0.1) return randomText(prng, 300);
  if (roll < 0.15) return `$share/${prng.pick(WORDS)}/${prng.pick(WORDS)}`;
  const levels = Array.from({ length: prng.int(1, 4) }, () => prng.pick(WORDS.slice(0, 9)));
  return levels.join('/');
}

export function randomClientId(prng: Prng): string {
  const roll = prng.next();
  if (roll < 0.1) return '';
  if (roll < 0.2) return randomText(prng, 100);
  return `fz-${prng.int(0, CLIENT_ID_POOL - 1)}`;
}

function randomUserProperties(prng: Prng): UserProperties {
  const properties: UserProperties = {};
  for (let i = prng.int(1, 3); i > 0; i--) {
    properties[randomText(prng, 16)] = prng.chance(0.3) ? [randomText(prng, 16), randomText(prng, 16)] : randomText(prng, 32);
  }
  return properties;
}

function randomPayload(prng: Prng): Buffer {
  return prng.chance(0.98) ? prng.bytes(prng.size(512)) : prng.bytes(prng.int(0, 64 * 1024));
}

/** A SCRAM client-first message (RFC 5802), mostly well-formed: the exchange then goes on with AUTH. */
function scramClientFirst(prng: Prng): Buffer {
  return Buffer.from(`${prng.pick(['n,,', 'y,,', 'p=x,,', ''])}n=${prng.chance(0.7) ? `fz-user-${prng.int(0, 9)}` : randomText(prng)},r=${prng.bytes(prng.int(0, 24)).toString('base64')}`);
}

function u16(prng: Prng): number {
  return prng.chance(0.2) ? prng.pick([0, 1, 65535]) : prng.int(0, 65535);
}

function u32(prng: Prng): number {
  return prng.chance(0.2) ? prng.pick([0, 1, 0xffffffff]) : prng.int(0, 100_000);
}

function messageId(prng: Prng): number {
  return prng.chance(0.05) ? prng.pick([0, 65535]) : prng.int(1, 2000);
}

function reasonCode(prng: Prng): number {
  return prng.chance(0.8) ? prng.pick(REASON_CODES) : prng.int(0, 255);
}

/** Each property of a packet's set present with some probability; undefined when none is. */
function someOf<T extends object>(prng: Prng, version: ProtocolVersion, all: () => T): T | undefined {
  if (version !== 5 || prng.chance(0.3)) return undefined;
  const chosen = Object.fromEntries(Object.entries(all()).filter(() => prng.chance(0.35)));
  return Object.keys(chosen).length > 0 ? (chosen as T) : undefined;
}

const ackProperties = (prng: Prng) => ({ reasonString: randomText(prng), userProperties: randomUserProperties(prng) });

/** The session's own CONNECT: valid for the broker under test, with random options. */
export function validConnect(prng: Prng, version: ProtocolVersion, clientId: string): IConnectPacket {
  return {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: version,
    clientId,
    clean: prng.chance(0.7),
    keepalive: prng.pick([0, 5, 30, 60, 600]),
    will: prng.chance(0.2) ? { topic: randomTopic(prng).replace(/[+#]/g, 'w') || 'w', payload: randomPayload(prng), qos: prng.pick([0, 1, 2] as const), retain: prng.chance(0.3) } : undefined,
    properties:
      version === 5
        ? {
            sessionExpiryInterval: prng.pick([0, 10, 3600]),
            receiveMaximum: prng.pick([1, 10, 65535]),
            topicAliasMaximum: prng.pick([0, 10]),
            requestProblemInformation: prng.chance(0.5),
            maximumPacketSize: prng.chance(0.1) ? prng.int(16, 256) : undefined,
          }
        : undefined,
  };
}

/** A valid 5.0 CONNECT that starts a SCRAM-SHA-256 exchange (the fuzzed instance has a SCRAM authenticator). */
export function scramConnect(prng: Prng, clientId: string): IConnectPacket {
  const connect = validConnect(prng, 5, clientId);
  const user = `fz-user-${prng.int(0, 2)}`;
  return { ...connect, properties: { ...connect.properties, authenticationMethod: 'SCRAM-SHA-256', authenticationData: Buffer.from(`n,,n=${user},r=${prng.bytes(18).toString('base64')}`) } };
}

/** A packet object of `kind` with random field values, valid enough for mqtt-packet to encode. */
function randomPacket(prng: Prng, kind: PacketKind, version: ProtocolVersion): Packet {
  switch (kind) {
    case 'connect':
      return {
        cmd: 'connect',
        protocolId: prng.chance(0.9) ? 'MQTT' : 'MQIsdp',
        protocolVersion: prng.chance(0.9) ? version : prng.pick([3, 4, 5] as const),
        clientId: randomClientId(prng),
        clean: prng.chance(0.5),
        keepalive: u16(prng),
        username: prng.chance(0.3) ? randomText(prng) : undefined,
        password: prng.chance(0.2) ? prng.bytes(prng.size(64)) : undefined,
        will: prng.chance(0.3)
          ? {
              topic: randomTopic(prng),
              payload: randomPayload(prng),
              qos: prng.pick([0, 1, 2] as const),
              retain: prng.chance(0.5),
              properties: someOf(prng, version, () => ({
                willDelayInterval: u32(prng),
                payloadFormatIndicator: prng.chance(0.5),
                messageExpiryInterval: u32(prng),
                contentType: randomText(prng),
                responseTopic: randomTopic(prng),
                correlationData: prng.bytes(prng.size(32)),
                userProperties: randomUserProperties(prng),
              })),
            }
          : undefined,
        properties: someOf(prng, version, () => ({
          sessionExpiryInterval: u32(prng),
          receiveMaximum: u16(prng),
          maximumPacketSize: u32(prng),
          topicAliasMaximum: u16(prng),
          requestResponseInformation: prng.chance(0.5),
          requestProblemInformation: prng.chance(0.5),
          userProperties: randomUserProperties(prng),
          authenticationMethod: prng.pick(['SCRAM-SHA-256', 'SCRAM-SHA-256', 'x', randomText(prng)]),
          authenticationData: prng.chance(0.5) ? scramClientFirst(prng) : prng.bytes(prng.size(64)),
        })),
      };
    case 'connack':
      return {
        cmd: 'connack',
        sessionPresent: prng.chance(0.5),
        ...(version === 5 ? { reasonCode: reasonCode(prng) } : { returnCode: prng.int(0, 5) }),
        properties: someOf(prng, version, () => ({
          sessionExpiryInterval: u32(prng),
          receiveMaximum: u16(prng),
          maximumQoS: prng.int(0, 1),
          retainAvailable: prng.chance(0.5),
          assignedClientIdentifier: randomText(prng),
          reasonString: randomText(prng),
          serverKeepAlive: u16(prng),
          userProperties: randomUserProperties(prng),
        })),
      };
    case 'publish-qos0':
    case 'publish-qos1':
    case 'publish-qos2': {
      const qos = Number(kind.slice(-1)) as 0 | 1 | 2;
      return {
        cmd: 'publish',
        qos,
        dup: qos > 0 && prng.chance(0.1),
        retain: prng.chance(0.2),
        topic: randomTopic(prng),
        payload: randomPayload(prng),
        messageId: qos > 0 ? messageId(prng) : undefined,
        properties: someOf(prng, version, () => ({
          payloadFormatIndicator: prng.chance(0.5),
          messageExpiryInterval: u32(prng),
          topicAlias: prng.pick([1, 2, 10, 64, 65535]),
          responseTopic: randomTopic(prng),
          correlationData: prng.bytes(prng.size(64)),
          userProperties: randomUserProperties(prng),
          subscriptionIdentifier: prng.int(1, 268_435_455),
          contentType: randomText(prng),
        })),
      };
    }
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
      return { cmd: kind, messageId: messageId(prng), reasonCode: version === 5 ? reasonCode(prng) : undefined, properties: someOf(prng, version, () => ackProperties(prng)) };
    case 'subscribe':
      return {
        cmd: 'subscribe',
        messageId: messageId(prng),
        subscriptions: Array.from({ length: prng.int(1, 4) }, () => ({
          topic: prng.chance(0.3) ? `${randomTopic(prng)}/${prng.pick(['+', '#'])}` : randomTopic(prng),
          qos: prng.pick([0, 1, 2] as const),
          ...(version === 5 ? { nl: prng.chance(0.3), rap: prng.chance(0.3), rh: prng.int(0, 2) } : {}),
        })),
        properties: someOf(prng, version, () => ({ subscriptionIdentifier: prng.int(1, 268_435_455), userProperties: randomUserProperties(prng) })),
      };
    case 'suback':
      return { cmd: 'suback', messageId: messageId(prng), granted: Array.from({ length: prng.int(1, 4) }, () => prng.pick([0, 1, 2, 0x80])), properties: someOf(prng, version, () => ackProperties(prng)) };
    case 'unsubscribe':
      return {
        cmd: 'unsubscribe',
        messageId: messageId(prng),
        unsubscriptions: Array.from({ length: prng.int(1, 4) }, () => randomTopic(prng)),
        properties: someOf(prng, version, () => ({ userProperties: randomUserProperties(prng) })),
      };
    case 'unsuback':
      return { cmd: 'unsuback', messageId: messageId(prng), granted: Array.from({ length: prng.int(1, 4) }, () => prng.pick([0, 0x11, 0x80])), properties: someOf(prng, version, () => ackProperties(prng)) };
    case 'pingreq':
    case 'pingresp':
      return { cmd: kind };
    case 'disconnect':
      return {
        cmd: 'disconnect',
        reasonCode: version === 5 ? prng.pick([0x00, 0x04, 0x81, prng.int(0, 255)]) : undefined,
        properties: someOf(prng, version, () => ({ sessionExpiryInterval: u32(prng), reasonString: randomText(prng), userProperties: randomUserProperties(prng), serverReference: randomText(prng) })),
      };
    case 'auth':
      return {
        cmd: 'auth',
        reasonCode: prng.pick([0x00, 0x18, 0x19, prng.int(0, 255)]),
        properties: someOf(prng, version, () => ({
          authenticationMethod: prng.pick(['SCRAM-SHA-256', randomText(prng)]),
          authenticationData: prng.chance(0.5) ? Buffer.from(`c=biws,r=${prng.bytes(prng.int(0, 48)).toString('base64')},p=${prng.bytes(32).toString('base64')}`) : prng.bytes(prng.size(64)),
          reasonString: randomText(prng),
          userProperties: randomUserProperties(prng),
        })),
      };
  }
}

/**
 * Encodes with mqtt-packet. Where a random value is one mqtt-packet refuses (a reason code its
 * encoder does not know), the same packet without properties; where the type does not exist
 * in the version (AUTH in 3.1.1), its fixed header with random bytes.
 */
export function encode(packet: Packet, version: ProtocolVersion): Buffer {
  try {
    return mqttPacket.generate(packet, { protocolVersion: version });
  } catch {
    try {
      return mqttPacket.generate({ ...packet, properties: undefined, reasonCode: 0 } as Packet, { protocolVersion: version });
    } catch {
      return Buffer.from([0xf0, 0x00]);
    }
  }
}

export function generatePacket(prng: Prng, version: ProtocolVersion, kind: PacketKind = prng.pick(PACKET_KINDS)): GeneratedPacket {
  return { kind, bytes: encode(randomPacket(prng, kind, version), version) };
}
