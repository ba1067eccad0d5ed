/**
 * The 3.1 / 3.1.1 CONNACK that accepts a client, encoded once: packet type 2, remaining length
 * 2, the session-present flag, return code 0 [MQTT-3.2]. Every accepted 3.1.1 CONNECT sends one
 * of these two, so encoding it per connection was pure overhead. 5.0 CONNACKs carry
 * per-connection properties and are generated each time.
 */
export const ACCEPTED_CONNACK_311 = {
  sessionPresent: Buffer.from([0x20, 0x02, 0x01, 0x00]),
  cleanSession: Buffer.from([0x20, 0x02, 0x00, 0x00]),
} as const;
