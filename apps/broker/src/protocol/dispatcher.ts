import type { Packet } from 'mqtt-packet';
import type { ClientConnection } from './client-connection';
import { violation } from './connection-lifecycle';
import { handleAuth } from './enhanced-auth/reauthentication';
import { handleConnect } from './handlers/connect.handler';
import { handleDisconnect } from './handlers/disconnect.handler';
import { handlePingreq } from './handlers/pingreq.handler';
import { handlePuback } from './handlers/puback.handler';
import { handlePubcomp } from './handlers/pubcomp.handler';
import { handlePublish } from './handlers/publish.handler';
import { handlePubrec } from './handlers/pubrec.handler';
import { handlePubrel } from './handlers/pubrel.handler';
import { handleSubscribe } from './handlers/subscribe.handler';
import { handleUnsubscribe } from './handlers/unsubscribe.handler';
import type { InstanceContext } from './instance-context';
import { RC } from './reason-codes';

/** Routes one parsed packet to its handler; packets out of place are protocol errors. */
export function dispatch(ctx: InstanceContext, connection: ClientConnection, packet: Packet): void {
  if (packet.cmd === 'connect') {
    // [MQTT-3.1.0-2] a second CONNECT is a protocol violation.
    if (connection.state !== 'awaiting-connect') {
      violation(ctx, connection, RC.protocolError, 'second CONNECT');
      return;
    }
    void handleConnect(ctx, connection, packet);
    return;
  }
  // [MQTT-3.1.0-1] the first packet must be CONNECT.
  if (connection.state !== 'connected') {
    violation(ctx, connection, RC.protocolError, 'first packet was not CONNECT');
    return;
  }
  switch (packet.cmd) {
    case 'publish':
      return handlePublish(ctx, connection, packet);
    case 'puback':
      return handlePuback(ctx, connection, packet);
    case 'pubrec':
      return handlePubrec(ctx, connection, packet);
    case 'pubrel':
      return handlePubrel(ctx, connection, packet);
    case 'pubcomp':
      return handlePubcomp(ctx, connection, packet);
    case 'subscribe':
      return handleSubscribe(ctx, connection, packet);
    case 'unsubscribe':
      return handleUnsubscribe(ctx, connection, packet);
    case 'pingreq':
      return handlePingreq(ctx, connection, packet);
    case 'disconnect':
      return handleDisconnect(ctx, connection, packet);
    case 'auth':
      return handleAuth(ctx, connection, packet);
    default:
      // CONNACK, SUBACK, UNSUBACK and PINGRESP only flow from server to client.
      violation(ctx, connection, RC.protocolError, `unexpected ${packet.cmd}`);
  }
}
