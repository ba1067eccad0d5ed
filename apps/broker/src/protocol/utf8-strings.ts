import { isUtf8 } from 'node:buffer';
import type { Parser } from 'mqtt-packet';

/** The parts of mqtt-packet's parser a string is read with (public fields of its class, not typed). */
interface StringReader {
  _list: { slice(start: number, end: number): Buffer };
  _pos: number;
  packet: { cmd?: string };
  _parseString(): string | null;
  _emitError(error: Error): void;
}

/** Whether the raw bytes of an MQTT UTF-8 string are well formed: valid UTF-8, no surrogates [MQTT-1.5.4-1], and (when `allowNul` is false) no U+0000 [MQTT-1.5.4-2]. */
export function isWellFormedMqttString(bytes: Buffer, allowNul = false): boolean {
  return isUtf8(bytes) && (allowNul || !bytes.includes(0));
}

/**
 * mqtt-packet decodes strings leniently: invalid UTF-8 becomes U+FFFD, so a topic of invalid
 * bytes would be routed under another name. This checks each string's raw bytes as the parser
 * reads it and makes the packet malformed (the parser's 'error': the connection is closed,
 * 5.0 with DISCONNECT 0x81) when one is not well formed [MQTT-1.5.3-1]. In a CONNECT, U+0000
 * is left to the CONNECT checks, which refuse it with the CONNACK code of the field.
 */
export function refuseMalformedStrings(parser: Parser): void {
  const reader = parser as unknown as StringReader;
  const readString = reader._parseString.bind(reader);
  reader._parseString = () => {
    const start = reader._pos + 2;
    const result = readString();
    if (result !== null && !isWellFormedMqttString(reader._list.slice(start, reader._pos), reader.packet.cmd === 'connect')) {
      reader._emitError(new Error(`malformed UTF-8 string in ${reader.packet.cmd ?? 'a packet'}`));
    }
    return result;
  };
}
