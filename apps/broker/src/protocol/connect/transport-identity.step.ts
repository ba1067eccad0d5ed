import { CONNACK_311, CONNACK_5 } from '@mqc/auth';
import type { TlsHandshake, TransportIdentity } from '../instance-broker';
import type { ConnectStep } from './connect-attempt';
import { refuse } from './connect-attempt';

/** What a TLS handshake admits (SPEC 4.2, 4.6), or why the client may not proceed. */
function admit(tls: TlsHandshake): TransportIdentity | { refusal: string } {
  // The PSK proved the client; no certificate is part of such a handshake, whatever the mode.
  if (tls.pskIdentity !== undefined) return { pskIdentity: tls.pskIdentity };
  // TLS: client certificates play no part.
  if (tls.mode === 'TLS') return {};
  const peer = tls.peerCertificate;
  if (peer === undefined) return { refusal: 'a client certificate is required' };
  if (!peer.verified) return { refusal: peer.problem };
  return { certificate: peer.certificate };
}

/**
 * The transport's part of admission, first in the pipeline: over TLS in mode mTLS or BYOC a
 * client without a certificate that verified against the trusted CAs gets "not authorized"
 * (3.1.1: 5; 5.0: 0x87 with the reason); a PSK handshake or mode TLS always proceeds. What
 * the handshake proved (certificate, PSK identity) goes to the chain, whose x509 or psk
 * authenticator judges it. TCP and WebSocket connections prove nothing here.
 */
export const checkTransportIdentity: ConnectStep = (_ctx, connection, _attempt) => {
  const { tls } = connection.info;
  if (tls === undefined) return undefined;
  const admitted = admit(tls);
  if ('refusal' in admitted) return refuse(CONNACK_311.notAuthorized, CONNACK_5.notAuthorized, admitted.refusal);
  connection.transportIdentity = admitted;
  return undefined;
};
