import { createServer } from 'node:net';
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
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address && typeof address === 'object') process.send?.({ type: 'ready', port: address.port } satisfies ServerMessage);
  });
  answerCpuRequests();
}

void main();
