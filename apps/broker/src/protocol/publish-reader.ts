import { isUtf8 } from 'node:buffer';
import type { IPublishPacket, QoS } from 'mqtt-packet';
import type { PublishProperties } from './message';

/**
 * The inbound PUBLISH read straight from the socket's bytes: the same packet object as
 * mqtt-packet's parser makes (field for field), without its buffer list, state machine and
 * `debug` calls. Only what it fully understands: a topic and strings of well-formed UTF-8
 * without U+0000, every field inside the packet, 5.0 properties a PUBLISH carries (each once,
 * user properties any number of times, no subscription identifier). Anything else returns
 * undefined and the caller hands the packet to mqtt-packet, which refuses or reads it as it
 * always did: one parser decides every odd case.
 *
 * `start` is the packet's first byte, `bodyStart` the byte after its remaining length, `end`
 * the byte after the packet.
 */
export function readPublish(buffer: Buffer, start: number, bodyStart: number, end: number, v5: boolean): IPublishPacket | undefined {
  const header = buffer[start] as number;
  const qosBits = (header >> 1) & 0x03;
  if (qosBits === 3) return undefined;
  const qos = qosBits as QoS;
  let at = bodyStart;
  if (end - at < 2) return undefined;
  const topicEnd = at + 2 + buffer.readUInt16BE(at);
  at += 2;
  if (topicEnd > end) return undefined;
  const topic = readString(buffer, at, topicEnd);
  if (topic === undefined) return undefined;
  at = topicEnd;
  const packet: IPublishPacket = {
    cmd: 'publish',
    retain: (header & 0x01) !== 0,
    qos,
    dup: (header & 0x08) !== 0,
    length: end - bodyStart,
    topic,
    payload: EMPTY,
  };
  if (qos > 0) {
    if (end - at < 2) return undefined;
    packet.messageId = buffer.readUInt16BE(at);
    at += 2;
  }
  if (v5) {
    let length = 0;
    let multiplier = 1;
    let complete = false;
    for (let read = 0; read < 4 && at < end; read++) {
      const byte = buffer[at++] as number;
      length += (byte & 0x7f) * multiplier;
      multiplier *= 0x80;
      if ((byte & 0x80) === 0) {
        complete = true;
        break;
      }
    }
    if (!complete || at + length > end) return undefined;
    if (length > 0) {
      const properties = readProperties(buffer, at, at + length);
      if (properties === undefined) return undefined;
      packet.properties = properties;
      at += length;
    }
  }
  packet.payload = buffer.subarray(at, end);
  return packet;
}

const EMPTY = Buffer.alloc(0);

/** A string of well-formed UTF-8 without U+0000 [MQTT-1.5.4-1] [MQTT-1.5.4-2], or undefined. ASCII (the usual topic) is checked byte by byte. */
function readString(buffer: Buffer, start: number, end: number): string | undefined {
  for (let i = start; i < end; i++) {
    const byte = buffer[i] as number;
    if (byte === 0) return undefined;
    if (byte >= 0x80) {
      const bytes = buffer.subarray(start, end);
      return isUtf8(bytes) && !bytes.includes(0) ? bytes.toString('utf8') : undefined;
    }
  }
  return buffer.toString('latin1', start, end);
}

const PAYLOAD_FORMAT_INDICATOR = 0x01;
const MESSAGE_EXPIRY_INTERVAL = 0x02;
const CONTENT_TYPE = 0x03;
const RESPONSE_TOPIC = 0x08;
const CORRELATION_DATA = 0x09;
const TOPIC_ALIAS = 0x23;
const USER_PROPERTY = 0x26;

type UserProperties = Record<string, string | string[]>;

/** A PUBLISH's properties in `[start, end)`, as mqtt-packet shapes them; undefined for anything else or anything that runs past `end`. */
function readProperties(buffer: Buffer, start: number, end: number): PublishProperties | undefined {
  const properties: PublishProperties = {};
  let at = start;
  while (at < end) {
    const code = buffer[at++] as number;
    switch (code) {
      case PAYLOAD_FORMAT_INDICATOR:
        if (at + 1 > end || properties.payloadFormatIndicator !== undefined) return undefined;
        properties.payloadFormatIndicator = buffer[at++] !== 0;
        break;
      case MESSAGE_EXPIRY_INTERVAL:
        if (at + 4 > end || properties.messageExpiryInterval !== undefined) return undefined;
        properties.messageExpiryInterval = buffer.readUInt32BE(at);
        at += 4;
        break;
      case TOPIC_ALIAS:
        if (at + 2 > end || properties.topicAlias !== undefined) return undefined;
        properties.topicAlias = buffer.readUInt16BE(at);
        at += 2;
        break;
      case CONTENT_TYPE:
      case RESPONSE_TOPIC: {
        const name = code === CONTENT_TYPE ? 'contentType' : 'responseTopic';
        if (properties[name] !== undefined || at + 2 > end) return undefined;
        const valueEnd = at + 2 + buffer.readUInt16BE(at);
        if (valueEnd > end) return undefined;
        const value = readString(buffer, at + 2, valueEnd);
        if (value === undefined) return undefined;
        properties[name] = value;
        at = valueEnd;
        break;
      }
      case CORRELATION_DATA: {
        if (properties.correlationData !== undefined || at + 2 > end) return undefined;
        const valueEnd = at + 2 + buffer.readUInt16BE(at);
        if (valueEnd > end) return undefined;
        properties.correlationData = buffer.subarray(at + 2, valueEnd);
        at = valueEnd;
        break;
      }
      case USER_PROPERTY: {
        if (at + 2 > end) return undefined;
        const nameEnd = at + 2 + buffer.readUInt16BE(at);
        if (nameEnd + 2 > end) return undefined;
        const valueEnd = nameEnd + 2 + buffer.readUInt16BE(nameEnd);
        if (valueEnd > end) return undefined;
        const name = readString(buffer, at + 2, nameEnd);
        const value = readString(buffer, nameEnd + 2, valueEnd);
        if (name === undefined || value === undefined) return undefined;
        // As mqtt-packet: an object without prototype; a name given again collects its values in an array, in
        // order, unless the value before was empty (it tests the earlier value's truth): then it is replaced.
        const users = (properties.userProperties ??= Object.create(null) as UserProperties) as UserProperties;
        const earlier = users[name];
        if (!earlier) users[name] = value;
        else if (Array.isArray(earlier)) earlier.push(value);
        else users[name] = [earlier, value];
        at = valueEnd;
        break;
      }
      default:
        // A subscription identifier (a protocol error from a client, refused by the handler) or a property a PUBLISH does not carry.
        return undefined;
    }
  }
  return properties;
}
