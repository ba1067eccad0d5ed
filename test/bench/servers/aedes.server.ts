import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import { prepareAuthWork, type AuthMode } from './auth-modes';
import { answerCpuRequests, type ServerMessage } from './server-protocol';

/** The peer: aedes (in-memory persistence) doing the same verification in its authenticate hook. */
async function main(): Promise<void> {
  const mode = (process.env['BENCH_AUTH'] ?? 'none') as AuthMode;
  const work = await prepareAuthWork(mode);
  const aedes = await Aedes.createBroker();
  aedes.authenticate = (client, username, password, callback) => {
    work.aedesAuthenticate(client.id, username, password).then(
      (ok) => callback(null, ok),
      () => callback(null, false),
    );
  };
  const server = createServer(aedes.handle);
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address && typeof address === 'object') process.send?.({ type: 'ready', port: address.port } satisfies ServerMessage);
  });
  answerCpuRequests();
}

void main();
