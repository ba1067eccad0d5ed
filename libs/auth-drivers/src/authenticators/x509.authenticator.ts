import type { CaCertificateStatus, DeviceCertificateStatus, X509Mode, X509Provisioning } from '@mqc/domain';
import type { AuthResult, Authenticator, ClientCertificate, ConnectCredentials, X509Config } from '@mqc/auth';

/** What the registry knows of a presented certificate, read in one go per CONNECT. */
export interface X509Lookup {
  mode: X509Mode;
  provisioning: X509Provisioning;
  autoActivate: boolean;
  /** The registry's entry with the certificate's serial number, if any. */
  registered?: RegisteredDeviceCertificate;
  /** The registered CA that issued the certificate (by the issuer's fingerprint), if any. */
  issuingCa?: { id: string; status: CaCertificateStatus; autoRegistration: boolean };
}

export interface RegisteredDeviceCertificate {
  clientId: string;
  status: DeviceCertificateStatus;
  fingerprint256: string;
}

/** The device certificate registry as the x509 authenticator sees it (the broker implements it with SQL). */
export interface X509Store {
  lookup(instanceId: string, certificate: ClientCertificate): Promise<X509Lookup>;
  /**
   * Just-in-time registration: adds the certificate with `status` unless it is already there,
   * and answers the entry that is (two first connects at once register it once); undefined
   * when the registry is at its edition's quota.
   */
  registerJustInTime(
    instanceId: string,
    certificate: ClientCertificate,
    o: { caCertificateId: string; status: DeviceCertificateStatus },
  ): Promise<RegisteredDeviceCertificate | undefined>;
}

function refused(message: string): AuthResult {
  return { kind: 'deny', reason: 'not-authorized', message };
}

const REFUSED_STATUS: Record<Exclude<DeviceCertificateStatus, 'ACTIVE'>, string> = {
  INACTIVE: 'is inactive',
  REVOKED: 'is revoked',
  PENDING_ACTIVATION: 'is pending activation',
};

/**
 * SPEC 4.2, the x509 link of the chain. The TLS listener has already verified the chain to a
 * CA the instance trusts; this judges the certificate itself:
 * - no client certificate → ignore;
 * - a registered certificate that is INACTIVE, REVOKED or PENDING_ACTIVATION → deny, in every
 *   mode; a registered certificate binds the client id to its CN;
 * - BYOC: an unregistered certificate is registered just in time when the instance provisions
 *   by JITP and its issuing CA is ACTIVE with auto-registration (PENDING_ACTIVATION without
 *   auto-activation, refused until activated), else denied;
 * - the identity (CN or subject, per config) must be the client id or the username (`as`);
 * - allow otherwise.
 */
export class X509Authenticator implements Authenticator {
  readonly type = 'x509' as const;

  constructor(
    readonly id: string,
    private readonly config: X509Config,
    private readonly store: X509Store,
  ) {}

  async authenticate(c: ConnectCredentials): Promise<AuthResult> {
    const certificate = c.certificate;
    if (!certificate) return { kind: 'ignore' };
    const serial = certificate.serialNumber;
    const found = await this.store.lookup(c.instanceId, certificate);
    // A different certificate that happens to share the serial is not this one's entry.
    let entry = found.registered && found.registered.fingerprint256 === certificate.fingerprint256 ? found.registered : undefined;

    if (found.issuingCa && found.issuingCa.status !== 'ACTIVE') return refused(`the CA that issued certificate ${serial} is inactive`);
    if (!entry && found.mode === 'BYOC') {
      const ca = found.issuingCa;
      if (found.provisioning !== 'JITP' || !ca?.autoRegistration) {
        if (found.registered) return refused(`another certificate with serial ${serial} is registered`);
        return refused(`certificate ${serial} is not registered`);
      }
      entry = await this.store.registerJustInTime(c.instanceId, certificate, {
        caCertificateId: ca.id,
        status: found.autoActivate ? 'ACTIVE' : 'PENDING_ACTIVATION',
      });
      if (!entry) return { kind: 'deny', reason: 'quota-exceeded', message: 'the device certificate registry is full' };
      if (entry.fingerprint256 !== certificate.fingerprint256) return refused(`another certificate with serial ${serial} is registered`);
    }
    if (entry) {
      if (entry.status !== 'ACTIVE') return refused(`certificate ${serial} ${REFUSED_STATUS[entry.status]}`);
      // [SPEC 4.2] A device certificate is bound to a client id, its CN.
      if (c.clientId !== entry.clientId) return refused(`client id "${c.clientId}" differs from the certificate's CN "${entry.clientId}"`);
    }

    const identity = this.config.identityFrom === 'cn' ? certificate.commonName : certificate.subject;
    if (this.config.as === 'clientid' && c.clientId !== identity) {
      return refused(`client id "${c.clientId}" differs from the certificate's ${this.config.identityFrom === 'cn' ? 'CN' : 'subject'} "${identity}"`);
    }
    if (this.config.as === 'username' && c.username !== undefined && c.username !== identity) {
      return { kind: 'deny', reason: 'bad-credentials', message: `username "${c.username}" differs from the certificate's identity "${identity}"` };
    }
    return { kind: 'allow' };
  }
}
