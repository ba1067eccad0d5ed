import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type TLSSocket } from 'node:tls';
import { Aedes } from 'aedes';
import { INTERMEDIATE_CIPHERS, MIN_TLS_VERSION } from '../../../apps/broker/src/listeners/tls-options';
import { answerCpuRequests, type ServerMessage } from './server-protocol';

/**
 * The peer: aedes on tls.createServer, OpenSSL refusing unverified clients, and the same check
 * in its authenticate hook: the certificate's CN must be the client id.
 */
async function main(): Promise<void> {
  const dir = process.env['BENCH_TLS_DIR'] ?? '.';
  const aedes = await Aedes.createBroker();
  aedes.authenticate = (client, _username, _password, callback) => {
    const socket = client.conn as unknown as TLSSocket;
    const cn = socket.getPeerCertificate().subject?.CN;
    callback(null, socket.authorized && cn === client.id);
  };
  const server = createServer(
    {
      key: readFileSync(join(dir, 'server.key')),
      cert: `${readFileSync(join(dir, 'server.pem'), 'utf8')}\n${readFileSync(join(dir, 'ca.pem'), 'utf8')}`,
      ca: readFileSync(join(dir, 'ca.pem')),
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: MIN_TLS_VERSION,
      ciphers: INTERMEDIATE_CIPHERS,
      honorCipherOrder: true,
    },
    (socket) => {
      socket.setNoDelay(true);
      aedes.handle(socket);
    },
  );
  server.on('tlsClientError', () => undefined);
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address && typeof address === 'object') process.send?.({ type: 'ready', port: address.port } satisfies ServerMessage);
  });
  answerCpuRequests();
}

void main();
