import type { AddressInfo, Server } from 'node:net';

/**
 * A MongoDB wire-protocol server for tests: CongoDB (npm `@push.rocks/smartmongo`, pure JS,
 * in memory), which the official driver talks to. No MongoDB server is packaged for this
 * machine. No database authentication: the authenticator's tests need the find, not SCRAM.
 */
export interface MongoWireServer {
  /** `mongodb://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Client connections open now. */
  connectionCount(): number;
  close(): Promise<void>;
}

type Reply = Record<string, unknown>;
interface Handler {
  handle(context: unknown): Promise<Reply>;
}
/** The parts of CongoServer used here (its command router and listening socket are not public API). */
interface CongoServer {
  start(): Promise<void>;
  stop(): Promise<void>;
  getConnectionCount(): number;
  commandRouter: { handlers: Map<string, Handler> };
  server: Server;
}
interface CongoModule {
  CongoServer: new (options: { host: string; port: number; storage: 'memory' }) => CongoServer;
}

const HANDSHAKES = ['hello', 'ismaster', 'isMaster'];

/**
 * Without `topologyVersion` in its hello, the driver polls the server (a hello every 10 s)
 * instead of the streaming protocol (`exhaustAllowed`/`moreToCome`) CongoDB lacks; with it,
 * the driver drops its pool every few hundred milliseconds ("moreToCome unexpectedly").
 */
function pollingHello(original: Handler, replicaSet: ReplicaSetAnnouncement | undefined, self: () => string): Handler {
  return {
    handle: async (context) => {
      const reply = await original.handle(context);
      delete reply['topologyVersion'];
      if (replicaSet) Object.assign(reply, { setName: replicaSet.setName, hosts: [self(), ...replicaSet.otherMembers], me: self(), secondary: false });
      return reply;
    },
  };
}

/** Makes the server the primary of a replica set with these other members (`host:port`), as a hostile server could. */
export interface ReplicaSetAnnouncement {
  setName: string;
  otherMembers: readonly string[];
}

/** Starts CongoDB on a free loopback port. */
export async function startMongoWireServer(options: { replicaSet?: ReplicaSetAnnouncement } = {}): Promise<MongoWireServer> {
  const { CongoServer } = (await import('@push.rocks/smartmongo/dist_ts/congodb/index.js')) as unknown as CongoModule;
  const congo = new CongoServer({ host: '127.0.0.1', port: 0, storage: 'memory' });
  const handlers = congo.commandRouter.handlers;
  for (const name of HANDSHAKES) {
    const original = handlers.get(name);
    if (!original) throw new Error(`CongoDB has no ${name} handler: the test server needs updating`);
    handlers.set(name, pollingHello(original, options.replicaSet, () => `127.0.0.1:${(congo.server.address() as AddressInfo).port}`));
  }
  await congo.start();
  const port = (congo.server.address() as AddressInfo).port;
  return { url: `mongodb://127.0.0.1:${port}`, port, connectionCount: () => congo.getConnectionCount(), close: () => congo.stop() };
}
