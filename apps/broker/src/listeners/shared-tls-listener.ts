import type { AddressInfo } from 'node:net';
import { createServer, type SecureContext } from 'node:tls';
import { instanceOfSharedHost } from '@mqc/domain';
import { listen, type ListenSite, type Listener } from './listener';
import type { TlsSite } from './tls-listener';
import { INTERMEDIATE_CIPHERS, MIN_TLS_VERSION } from './tls-options';

/** PSK suites the shared endpoint offers besides the certificate ones (TLS 1.2; see PskOptions). */
const PSK_CIPHERS = ['ECDHE-PSK-CHACHA20-POLY1305', 'PSK-AES256-GCM-SHA384', 'PSK-AES128-GCM-SHA256', 'PSK-CHACHA20-POLY1305'].join(':');

/** Secure contexts the shared endpoint keeps unless told otherwise (MQC_SHARED_TLS_CONTEXTS). */
export const DEFAULT_SHARED_TLS_CONTEXTS = 1_000;

/**
 * The instances a node's shared endpoint serves, by instance id: each instance's TLS site, added
 * when it opens. Issue 16: an instance's secure context (an OpenSSL SSL_CTX with its certificate,
 * key and trust store) is made on the first handshake naming it and kept in a bounded LRU, so
 * idle instances hold none; an evicted one is made again from the site at its next handshake.
 */
export class SharedTlsRoutes {
  private readonly sites = new Map<string, TlsSite>();
  /** Least recently used first (a Map keeps insertion order; a hit moves its entry last). */
  private readonly contexts = new Map<TlsSite, { generation: number; context: SecureContext }>();
  /** Secure contexts made (first handshakes, after an eviction or a change of the instance's TLS). */
  contextsBuilt = 0;
  contextsEvicted = 0;

  constructor(
    readonly publicDomain: string,
    readonly maxContexts = DEFAULT_SHARED_TLS_CONTEXTS,
  ) {}

  add(instanceId: string, site: TlsSite): void {
    this.sites.set(instanceId, site);
  }

  /** Removes the instance, unless another site took its place meanwhile. */
  remove(instanceId: string, site: TlsSite): void {
    if (this.sites.get(instanceId) === site) this.sites.delete(instanceId);
    this.contexts.delete(site);
  }

  /** The site's secure context, as it is now: the kept one, or a new one that may evict the least recently used. */
  contextOf(site: TlsSite): SecureContext {
    const kept = this.contexts.get(site);
    if (kept) this.contexts.delete(site);
    if (kept?.generation === site.generation) {
      this.contexts.set(site, kept);
      return kept.context;
    }
    const entry = { generation: site.generation, context: site.secureContext() };
    this.contextsBuilt++;
    this.contexts.set(site, entry);
    for (const oldest of this.contexts.keys()) {
      if (this.contexts.size <= this.maxContexts) break;
      this.contexts.delete(oldest);
      this.contextsEvicted++;
    }
    return entry.context;
  }

  /** Secure contexts kept now. */
  get contextsKept(): number {
    return this.contexts.size;
  }

  /** The site a TLS server name stands for (`<instance id>.<public domain>`), if this node serves it. */
  find(serverName: string | false | null | undefined): TlsSite | undefined {
    if (!serverName) return undefined;
    const instanceId = instanceOfSharedHost(serverName, this.publicDomain);
    return instanceId === undefined ? undefined : this.sites.get(instanceId);
  }

  get size(): number {
    return this.sites.size;
  }
}

/**
 * One MQTT-over-TLS port for every instance of the node (as AWS IoT and EMQX Serverless): the
 * TLS server name picks the instance, whose own certificate, trusted CAs and PSK keys the
 * handshake then uses (SNICallback). A client that names no instance served here is refused
 * at the handshake. What the handshake proved goes to the instance's engine exactly as on the
 * instance's own TLS port, so X.509 modes, PSK and the CONNECT throttle work the same.
 *
 * Differences from the instance's own port: the server's cipher list is the endpoint's (the
 * certificate suites and the PSK ones), so a PSK client must ask for TLS 1.2 itself (PSK is
 * only trusted in TLS 1.2); the own port caps at TLS 1.2 while the instance has identities.
 */
export async function openSharedTlsListener(routes: SharedTlsRoutes, site: ListenSite): Promise<Listener> {
  const server = createServer(
    {
      SNICallback: (serverName, done) => {
        const found = routes.find(serverName);
        if (found) done(null, routes.contextOf(found));
        else done(new Error(`no instance named ${serverName} on this node`));
      },
      pskCallback: (socket, identity) => routes.find(socket.servername)?.pskKey(socket, identity) ?? null,
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: MIN_TLS_VERSION,
      ciphers: `${INTERMEDIATE_CIPHERS}:${PSK_CIPHERS}`,
      honorCipherOrder: true,
    },
    (socket) => {
      const found = routes.find(socket.servername);
      if (found) found.accept(socket);
      else socket.destroy();
    },
  );
  server.on('tlsClientError', () => undefined);
  await listen(server, site);
  return {
    // The port bound (site.port may be 0: any free one).
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
