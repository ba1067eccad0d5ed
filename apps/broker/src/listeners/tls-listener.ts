import type { X509Mode } from '@mqc/domain';
import { createHash, X509Certificate } from 'node:crypto';
import { createSecureContext, createServer, type DetailedPeerCertificate, type SecureContext, type SecureContextOptions, type TLSSocket } from 'node:tls';
import type { ClientCertificate } from '@mqc/auth';
import { parseCertificate } from '@mqc/pki';
import type { ConnectionInfo, InstanceBroker, TlsHandshake } from '../protocol/instance-broker';
import { listen, type ListenSite, type Listener } from './listener';
import { INTERMEDIATE_CIPHERS, MIN_TLS_VERSION } from './tls-options';
import { createWebSocketEndpoint, routeByFirstBytes } from './websocket-endpoint';

/** What the TLS listener serves and whom it trusts; replaced whole, live (see TlsListener.update). */
export interface ServerTlsMaterial {
  certPem: string;
  keyPem: string;
  /** The instance's own CA: sent after the server certificate, and always trusted for clients. */
  caPem: string;
  /** SPEC 4.2. TLS: client certificates play no part; mTLS and BYOC: a verified one is required. */
  mode: X509Mode;
  /** Client-certificate anchors besides the instance CA: the ACTIVE registered CAs. */
  registeredCaPems: string[];
}

/**
 * TLS-PSK (SPEC 4.6, RFC 4279): the instance's identities and keys. While there are any, the
 * listener offers PSK suites first and speaks TLS 1.2 at most: PSK is only trusted in TLS 1.2,
 * where the negotiated suite says it was used (a TLS 1.3 handshake can fall back from an
 * external PSK to a certificate, or resume a ticket, without saying so).
 */
export interface PskOptions {
  /** An identity's key, or undefined for an unknown identity (its handshake fails). */
  key(identity: string): Buffer | undefined;
  /** Whether PSK is offered now (the instance has identities). */
  enabled(): boolean;
}

/** Forward-secret first; CHACHA20 and GCM only. */
const PSK_CIPHERS = ['ECDHE-PSK-CHACHA20-POLY1305', 'PSK-AES256-GCM-SHA384', 'PSK-AES128-GCM-SHA256', 'PSK-CHACHA20-POLY1305'].join(':');

/**
 * One instance's TLS: its material, whom it trusts, its PSK keys and its open sockets. The
 * instance's own listener serves it; a node's shared endpoint serves it too, choosing it by
 * the TLS server name (shared-tls-listener.ts). Either way a handshake ends in `accept`.
 */
export interface TlsSite {
  /** The options of the next handshakes (server certificate, anchors, ciphers). */
  readonly options: SecureContextOptions;
  /** The same as a new secure context (the shared endpoint keeps a bounded number of them, see SharedTlsRoutes). */
  secureContext(): SecureContext;
  /** Moves whenever the options change: a secure context made before is stale. */
  readonly generation: number;
  /** The key of a PSK identity (remembered for the socket), or null. */
  pskKey(socket: TLSSocket, identity: string): Buffer | null;
  /** A completed handshake: records what it established and hands the socket to the engine. */
  accept(socket: TLSSocket): void;
  /** See TlsListener.refreshPsk; true when the options changed. */
  refreshPsk(): boolean;
  /** See TlsListener.update; `changed` when the options changed. */
  update(material: ServerTlsMaterial): { untrustedSerials: Set<string>; changed: boolean };
  destroySockets(): void;
  /** Closes the site's WebSocket endpoint, if it serves wss. */
  close(): Promise<void>;
}

export interface TlsListener extends Listener {
  /** The instance's TLS, for the node's shared endpoint. */
  readonly site: TlsSite;
  /** Offers or withdraws PSK after the instance's identities changed (PskOptions.enabled). */
  refreshPsk(): void;
  /**
   * Applies new material to the next handshakes (`server.setSecureContext`); connections
   * already open keep theirs. Connections whose certificate chains to a CA that is no longer
   * trusted are answered: their certificate serials, for the engine to disconnect them
   * gracefully; sockets still open a second later are destroyed.
   */
  update(material: ServerTlsMaterial): { untrustedSerials: Set<string> };
}

/** A verified client certificate and the fingerprint of the trusted CA its chain ends at. */
interface VerifiedPeer {
  certificate: ClientCertificate;
  anchor: string;
}

function secureContextOptions(material: ServerTlsMaterial, psk = false): SecureContextOptions {
  const options: SecureContextOptions = {
    key: material.keyPem,
    cert: `${material.certPem}\n${material.caPem}`,
    // Replaces Node's public roots: only the instance's own anchors are trusted.
    ca: [material.caPem, ...material.registeredCaPems],
    minVersion: MIN_TLS_VERSION,
    ciphers: INTERMEDIATE_CIPHERS,
    honorCipherOrder: true,
  };
  if (psk) Object.assign(options, { ciphers: `${PSK_CIPHERS}:${options.ciphers}`, maxVersion: 'TLSv1.2' });
  return options;
}

/** The trusted CAs by fingerprint (Node's X509Certificate.fingerprint256, as CertificateInfo writes it). */
type Anchors = Map<string, X509Certificate>;

function anchorsOf(material: ServerTlsMaterial): Anchors {
  return new Map([material.caPem, ...material.registeredCaPems].map((pem) => {
    const ca = new X509Certificate(pem);
    return [ca.fingerprint256, ca] as const;
  }));
}

/** The last certificate of the verified chain (Node completes it from the trust store). */
function chainTop(peer: DetailedPeerCertificate): DetailedPeerCertificate {
  let current = peer;
  for (let depth = 0; depth < 10; depth++) {
    // A self-signed root is its own issuer.
    const issuer = current.issuerCertificate as DetailedPeerCertificate | undefined;
    if (!issuer || issuer === current || issuer.fingerprint256 === current.fingerprint256) return current;
    current = issuer;
  }
  return current;
}

/**
 * The last CN of the subject. Node prints the subject one RDN a line, escaping special
 * characters (RFC 2253) with a backslash; such a CN, or a multi-valued RDN, is read exactly
 * from the DER instead.
 */
function commonNameOf(leaf: X509Certificate): string | undefined {
  const line = leaf.subject.split('\n').filter((l) => l.startsWith('CN=')).at(-1);
  if (line === undefined) return undefined;
  if (/[\\]| \+ /.test(line)) return parseCertificate(leaf.toString()).commonName;
  return line.slice(3);
}

/** The client's certificate verified against the trusted CAs, or why it was not accepted; undefined when none was sent. */
function verifyPeer(socket: TLSSocket, trusted: () => Anchors): VerifiedPeer | { problem: string } | undefined {
  const leaf = socket.getPeerX509Certificate();
  if (!leaf) return undefined;
  if (!socket.authorized) return { problem: `the client certificate was not accepted: ${String(socket.authorizationError)}` };
  const anchors = trusted();
  // OpenSSL verified the chain; the anchor is the trusted CA that issued the leaf, or the top
  // of a longer chain the client sent.
  let anchor: string | undefined;
  for (const [fingerprint, ca] of anchors) {
    if (leaf.checkIssued(ca)) {
      anchor = fingerprint;
      break;
    }
  }
  anchor ??= chainTop(socket.getPeerCertificate(true)).fingerprint256;
  if (!anchors.has(anchor)) return { problem: 'the client certificate does not chain to a CA this instance trusts' };
  const pem = leaf.toString();
  return {
    anchor,
    certificate: {
      commonName: commonNameOf(leaf) ?? '',
      subject: leaf.subject,
      serialNumber: leaf.serialNumber,
      fingerprint256: leaf.fingerprint256,
      issuerFingerprint256: anchor,
      pem,
    },
  };
}

/** What the handshake established, and the verified certificate it presented (kept to answer update()). */
function handshakeOf(socket: TLSSocket, mode: X509Mode, anchors: () => Anchors, pskIdentity: string | undefined): { tls: TlsHandshake; verified?: VerifiedPeer } {
  // Only a negotiated PSK suite proves the identity (see PskOptions).
  if (pskIdentity !== undefined && socket.getProtocol() === 'TLSv1.2' && socket.getCipher().name.includes('PSK')) return { tls: { mode, pskIdentity } };
  // Mode TLS: client certificates play no part, so none is examined.
  if (mode === 'TLS') return { tls: { mode } };
  const peer = verifyPeer(socket, anchors);
  if (peer === undefined) return { tls: { mode } };
  if ('problem' in peer) return { tls: { mode, peerCertificate: { verified: false, problem: peer.problem } } };
  return { tls: { mode, peerCertificate: { verified: true, certificate: peer.certificate } }, verified: peer };
}

/** Whether two materials make the same secure context (issue 16: compared, not kept as a digest). */
function sameTrust(a: ServerTlsMaterial, b: ServerTlsMaterial): boolean {
  return a.certPem === b.certPem && a.keyPem === b.keyPem && a.caPem === b.caPem && a.registeredCaPems.length === b.registeredCaPems.length && a.registeredCaPems.every((pem, i) => pem === b.registeredCaPems[i]);
}

/** One function for every socket of every site, not a closure per socket (the site is found by its socket). */
const SITE_OF = new WeakMap<TLSSocket, InstanceTlsSite>();
function forget(this: TLSSocket): void {
  SITE_OF.get(this)?.sockets?.delete(this);
}

/**
 * The instance's TLS site (see TlsSite). `instanceId` keeps TLS sessions of one instance from
 * resuming on another's on a shared endpoint. With `websocketMaxPayload` the site also serves
 * MQTT over WebSocket (wss) on the same port: a connection whose first bytes are an HTTP
 * request is upgraded at `/mqtt` (routeByFirstBytes), on the instance's own port and on a
 * node's shared endpoint alike.
 *
 * Issue 16: a class whose state is made when first needed (open sockets, PSK identities, the
 * parsed anchors, the wss endpoint, the options), so an idle instance's site is its material
 * and a few fields, not a dozen closures and maps.
 */
class InstanceTlsSite implements TlsSite {
  /** Open sockets, with the verified certificate each presented (to drop those whose CA stops being trusted). */
  sockets: Map<TLSSocket, VerifiedPeer | undefined> | undefined;
  /** Identities whose key the handshake asked for; trusted only if a PSK suite was negotiated. */
  private pskIdentities: WeakMap<TLSSocket, string> | undefined;
  /** What each TLS socket's handshake established, for the WebSocket connection made over it. */
  private handshakes: WeakMap<TLSSocket, TlsHandshake> | undefined;
  /** Parsed on the first client certificate to verify (or a trust change with such clients). */
  private anchors: Anchors | undefined;
  /** Made on the site's first wss connection. */
  private websocket: ReturnType<typeof createWebSocketEndpoint> | undefined;
  private pskOffered: boolean;
  generation = 0;

  constructor(
    private readonly broker: InstanceBroker,
    private readonly instanceId: string,
    private material: ServerTlsMaterial,
    private readonly psk: PskOptions | undefined,
    private readonly websocketMaxPayload: number | undefined,
  ) {
    this.pskOffered = psk?.enabled() ?? false;
  }

  /** Made when asked for, not kept (each would hold one more copy of the PEMs per instance). */
  get options(): SecureContextOptions {
    const sessionIdContext = createHash('sha256').update(this.instanceId).digest('hex').slice(0, 32);
    return { ...secureContextOptions(this.material, this.pskOffered), sessionIdContext };
  }

  secureContext(): SecureContext {
    return createSecureContext(this.options);
  }

  private trusted(): Anchors {
    return (this.anchors ??= anchorsOf(this.material));
  }

  pskKey(socket: TLSSocket, identity: string): Buffer | null {
    const found = this.psk?.enabled() ? this.psk.key(identity) : undefined;
    if (found === undefined) return null;
    (this.pskIdentities ??= new WeakMap()).set(socket, identity);
    return found;
  }

  accept(socket: TLSSocket): void {
    socket.setNoDelay(true);
    SITE_OF.set(socket, this);
    // `on`, not `once`: 'close' comes once, and `once` wraps the listener anew for every socket.
    socket.on('close', forget);
    const { tls, verified } = handshakeOf(socket, this.material.mode, () => this.trusted(), this.pskIdentities?.get(socket));
    (this.sockets ??= new Map()).set(socket, verified);
    const broker = this.broker;
    const mqtt = () => broker.handleConnection(socket, { remoteAddress: socket.remoteAddress ?? 'unknown', transport: 'tls', tls });
    const maxPayload = this.websocketMaxPayload;
    if (maxPayload === undefined) return mqtt();
    (this.handshakes ??= new WeakMap()).set(socket, tls);
    routeByFirstBytes(socket, mqtt, () => this.websocketEndpoint(maxPayload).serve(socket));
  }

  private websocketEndpoint(maxPayload: number): ReturnType<typeof createWebSocketEndpoint> {
    return (this.websocket ??= createWebSocketEndpoint(this.broker, maxPayload, (socket): ConnectionInfo => ({
      remoteAddress: socket.remoteAddress ?? 'unknown',
      transport: 'wss',
      // A socket the site did not route cannot reach here; mode TLS is the least it could claim.
      tls: this.handshakes?.get(socket as TLSSocket) ?? { mode: 'TLS' },
    })));
  }

  refreshPsk(): boolean {
    const on = this.psk?.enabled() ?? false;
    if (on === this.pskOffered) return false;
    this.pskOffered = on;
    this.generation++;
    return true;
  }

  update(next: ServerTlsMaterial): { untrustedSerials: Set<string>; changed: boolean } {
    const untrusted = new Set<string>();
    const changed = !sameTrust(this.material, next);
    this.material = next;
    if (changed) {
      this.generation++;
      this.anchors = undefined;
      const dropped: TLSSocket[] = [];
      for (const [socket, peer] of this.sockets ?? []) {
        if (peer && !this.trusted().has(peer.anchor)) {
          untrusted.add(peer.certificate.serialNumber);
          dropped.push(socket);
        }
      }
      if (dropped.length > 0) setTimeout(() => dropped.forEach((s) => s.destroy()), 1_000).unref();
    }
    return { untrustedSerials: untrusted, changed };
  }

  destroySockets(): void {
    for (const socket of this.sockets?.keys() ?? []) socket.destroy();
  }

  async close(): Promise<void> {
    await this.websocket?.close();
  }
}

export function createTlsSite(broker: InstanceBroker, instanceId: string, initial: ServerTlsMaterial, psk?: PskOptions, websocketMaxPayload?: number): TlsSite {
  return new InstanceTlsSite(broker, instanceId, initial, psk, websocketMaxPayload);
}

/**
 * MQTT over TLS with the instance's server certificate. The listener always asks for a client
 * certificate but never lets OpenSSL refuse the handshake (`rejectUnauthorized: false`), so
 * the trust store and the mode can change under a running server. It records what each
 * handshake established (`TlsHandshake`: the mode, a proven PSK identity, the client
 * certificate verified or why not; in mode TLS the certificate is not examined) and hands
 * every connection to the engine, whose CONNECT pipeline decides who may proceed (and, with
 * `websocketMaxPayload`, MQTT over WebSocket on the same port: see createTlsSite).
 */
export async function openTlsListener(broker: InstanceBroker, site: ListenSite, initial: ServerTlsMaterial, psk?: PskOptions, instanceId = '', websocketMaxPayload?: number): Promise<TlsListener> {
  const tlsSite = createTlsSite(broker, instanceId, initial, psk, websocketMaxPayload);
  const listener = await openTlsListenerOn(tlsSite, site);
  return {
    ...listener,
    close: async () => {
      await listener.close();
      await tlsSite.close();
    },
  };
}

/**
 * A TLS listener on the instance's own port for a site the instance keeps (issue 16: the site
 * also serves the node's shared endpoint). Closing it closes the port and the connections it
 * accepted; the site, and the connections the shared endpoint brought it, stay.
 */
export async function openTlsListenerOn(tlsSite: TlsSite, site: ListenSite): Promise<TlsListener> {
  const accepted = new Set<TLSSocket>();
  // One function for every socket of the listener, not a closure per socket.
  function forget(this: TLSSocket): void {
    accepted.delete(this);
  }
  const server = createServer({ ...tlsSite.options, pskCallback: (socket, identity) => tlsSite.pskKey(socket, identity), requestCert: true, rejectUnauthorized: false }, (socket) => {
    accepted.add(socket);
    // `on`, not `once`: 'close' comes once, and `once` wraps the listener anew for every socket.
    socket.on('close', forget);
    tlsSite.accept(socket);
  });
  // A failed handshake is the client's problem, not the listener's.
  server.on('tlsClientError', () => undefined);
  await listen(server, site);

  return {
    port: site.port,
    site: tlsSite,
    refreshPsk() {
      if (tlsSite.refreshPsk()) server.setSecureContext(tlsSite.options);
    },
    update(next) {
      const { untrustedSerials, changed } = tlsSite.update(next);
      if (changed) server.setSecureContext(tlsSite.options);
      return { untrustedSerials };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of accepted) socket.destroy();
      }),
  };
}
