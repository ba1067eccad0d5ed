import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { INTERMEDIATE_CIPHERS, MIN_TLS_VERSION } from '../../../apps/broker/src/listeners/tls-options';
import { Aedes, type Client } from 'aedes';
import { AedesAcl, BENCH_ACL_RULES } from './acl-rules';
import { prepareAuthWork, type AuthMode } from './auth-modes';
import { answerCpuRequests, type ServerMessage } from './server-protocol';

type RuleClient = Client & { username?: string };

/**
 * The peer: aedes (in-memory persistence) doing the same verification in its authenticate hook,
 * and with `BENCH_AUTHZ=rules` the same rules in its authorize hooks (see acl-rules.ts).
 */
async function main(): Promise<void> {
  const mode = (process.env['BENCH_AUTH'] ?? 'none') as AuthMode;
  const work = await prepareAuthWork(mode);
  const aedes = await Aedes.createBroker();
  const authorizing = process.env['BENCH_AUTHZ'] === 'rules';
  aedes.authenticate = (client, username, password, callback) => {
    // Kept on the client for `${username}` rules, as aedes users do.
    if (authorizing) (client as RuleClient).username = username;
    work.aedesAuthenticate(client.id, username, password).then(
      (ok) => callback(null, ok),
      () => callback(null, false),
    );
  };
  if (authorizing) {
    const acl = new AedesAcl(BENCH_ACL_RULES);
    const who = (client: Client) => client as RuleClient;
    aedes.authorizePublish = (client, packet, callback) => {
      // A null client is aedes' own publish ($SYS): not a client's.
      if (client === null || acl.allows(who(client), 'publish', packet.topic)) callback(null);
      // aedes closes the client on a denied PUBLISH (its documented behaviour); the scenario publishes none.
      else callback(new Error('not authorized'));
    };
    aedes.authorizeSubscribe = (client, subscription, callback) => callback(null, acl.allows(who(client), 'subscribe', subscription.topic) ? subscription : null);
    aedes.authorizeForward = (client, packet) => (acl.allows(who(client), 'subscribe', packet.topic) ? packet : null);
  }
  const server = createServer(aedes.handle);
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
  // BENCH_TLS_DIR: also a TLS server (tls.createServer, as aedes users run it) with that directory's certificate.
  const dir = process.env['BENCH_TLS_DIR'];
  let tlsPort: number | undefined;
  if (dir !== undefined) {
    const tlsServer = createTlsServer(
      { key: readFileSync(join(dir, 'server.key')), cert: `${readFileSync(join(dir, 'server.pem'), 'utf8')}\n${readFileSync(join(dir, 'ca.pem'), 'utf8')}`, minVersion: MIN_TLS_VERSION, ciphers: INTERMEDIATE_CIPHERS, honorCipherOrder: true },
      (socket) => aedes.handle(socket),
    );
    tlsServer.on('tlsClientError', () => undefined);
    tlsPort = await new Promise<number>((resolve) => tlsServer.listen(0, '127.0.0.1', () => resolve((tlsServer.address() as { port: number }).port)));
  }
  process.send?.({ type: 'ready', port, tlsPort } satisfies ServerMessage);
  answerCpuRequests();
}

void main();
