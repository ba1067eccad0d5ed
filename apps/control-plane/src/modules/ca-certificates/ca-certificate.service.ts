import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { CaCertificateEntity, CaRegistrationCodeEntity } from '@mqc/db';
import type { CaCertificateStatus } from '@mqc/domain';
import { PkiError, isSignedBy, parseCertificate, verifyProofOfPossession, type CertificateInfo } from '@mqc/pki';
import type { Caller } from '../../common/caller';
import { DomainError } from '../../common/domain-errors';
import { InstanceChanges } from '../instances/instance-changes';
import { InstanceRows } from '../instances/instance-rows';
import { OwnedInstances } from '../instances/owned-instances';
import { fieldRefusal, pkiRefusal } from '../x509/pki-problem';
import { assertWithinQuota } from '../../common/edition-gate';
import { assertDeviceCertificatesAllowed } from '../x509/x509-edition-gate';

/** A registration code is single use and lives this long. */
export const REGISTRATION_CODE_TTL_MS = 60 * 60 * 1000;
// No code is ever equal to this: a verification CN that names no live code fails the CN check.
const NO_CODE = '\u0000';

export interface CaView {
  id: string;
  subject: string;
  commonName: string | null;
  serialNumber: string;
  fingerprint256: string;
  notBefore: Date;
  notAfter: Date;
  status: CaCertificateStatus;
  autoRegistration: boolean;
  certificate: string;
  createdAt: Date;
  updatedAt: Date;
}

function view(ca: CaCertificateEntity): CaView {
  return {
    id: ca.id,
    subject: ca.subject,
    commonName: ca.commonName,
    serialNumber: ca.serialNumber,
    fingerprint256: ca.fingerprint256,
    notBefore: ca.notBefore,
    notAfter: ca.notAfter,
    status: ca.status,
    autoRegistration: ca.autoRegistration,
    certificate: ca.certificatePem,
    createdAt: ca.createdAt,
    updatedAt: ca.updatedAt,
  };
}

/** A PKI refusal naming the field it concerns (the message says which certificate). */
function refusal(error: PkiError, field?: string): DomainError {
  return pkiRefusal(error, field ?? (error.code.startsWith('verification') || error.message.startsWith('verification') ? 'verificationCertificate' : 'certificate'));
}

function parse(pem: string, field: 'certificate' | 'verificationCertificate'): CertificateInfo {
  try {
    return parseCertificate(pem);
  } catch (error) {
    if (error instanceof PkiError) throw refusal(error, field);
    throw error;
  }
}

/**
 * SPEC 4.2, registered CAs (one device one certificate): a tenant proves it holds its CA's
 * key with a verification certificate whose CN is a registration code we handed out, signed
 * by that key. The broker trusts an ACTIVE CA on the instance's TLS listener from the moment
 * it is registered (change event, live) until it is deactivated or deleted.
 */
@Injectable()
export class CaCertificateService {
  private readonly rows: InstanceRows<CaCertificateEntity>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly instances: OwnedInstances,
    private readonly write: InstanceChanges,
  ) {
    this.rows = new InstanceRows(dataSource, instances, CaCertificateEntity, 'ca-certificate');
  }

  async registrationCode(tenantId: string, instanceId: string, caller: Caller): Promise<{ registrationCode: string; expiresAt: Date }> {
    return this.write.apply({ tenantId, instanceId, caller }, async (manager, instance) => {
      assertDeviceCertificatesAllowed(instance.edition, 'registering a CA');
      await manager.query('DELETE FROM ca_registration_codes WHERE instance_id = $1 AND expires_at < now()', [instanceId]);
      const code = await manager.save(
        manager.create(CaRegistrationCodeEntity, { code: randomBytes(20).toString('hex'), instanceId, expiresAt: new Date(Date.now() + REGISTRATION_CODE_TTL_MS) }),
      );
      return {
        result: { registrationCode: code.code, expiresAt: code.expiresAt },
        audit: { action: 'ca-certificate.registration-code', resourceType: 'instance', resourceId: instanceId },
        change: null,
      };
    });
  }

  async list(tenantId: string, instanceId: string): Promise<{ items: CaView[] }> {
    await this.instances.find(tenantId, instanceId);
    const rows = await this.dataSource.getRepository(CaCertificateEntity).find({ where: { instanceId }, order: { createdAt: 'ASC', id: 'ASC' } });
    return { items: rows.map(view) };
  }

  async get(tenantId: string, instanceId: string, caId: string): Promise<CaView> {
    return view(await this.rows.get(tenantId, instanceId, { id: caId }));
  }

  async register(
    tenantId: string,
    instanceId: string,
    input: { certificate: string; verificationCertificate: string; status: CaCertificateStatus; autoRegistration: boolean },
    caller: Caller,
  ): Promise<CaView> {
    const ca = parse(input.certificate, 'certificate');
    const verification = parse(input.verificationCertificate, 'verificationCertificate');
    const exists = () => new DomainError('conflict', 'ca-certificate-exists', `this CA (${ca.fingerprint256}) is already registered`);
    const saved = await this.write.apply({ tenantId, instanceId, caller, onUniqueViolation: exists }, async (manager, instance) => {
      assertDeviceCertificatesAllowed(instance.edition, 'registering a CA');
      const code = verification.commonName === undefined ? null : await manager.findOneBy(CaRegistrationCodeEntity, { instanceId, code: verification.commonName });
      this.checkProof(input, code);
      if (!isSignedBy(input.certificate, input.certificate)) {
        throw fieldRefusal('ca-not-self-signed', 'certificate', `"${ca.subject}" is not self-signed; register the root CA of its chain`);
      }
      if (await manager.existsBy(CaCertificateEntity, { instanceId, fingerprint256: ca.fingerprint256 })) throw exists();
      assertWithinQuota(instance.edition, 'registeredCaCertificates', await manager.countBy(CaCertificateEntity, { instanceId }));
      // Single use: the code is spent with the registration it proved.
      await manager.delete(CaRegistrationCodeEntity, { code: code!.code });
      const created = await manager.save(
        manager.create(CaCertificateEntity, {
          instanceId,
          certificatePem: input.certificate.trim() + '\n',
          subject: ca.subject,
          commonName: ca.commonName ?? null,
          serialNumber: ca.serialNumber,
          fingerprint256: ca.fingerprint256,
          notBefore: ca.notBefore,
          notAfter: ca.notAfter,
          status: input.status,
          autoRegistration: input.autoRegistration,
        }),
      );
      const details = { instanceId, subject: ca.subject, fingerprint256: ca.fingerprint256, status: input.status, autoRegistration: input.autoRegistration };
      return { result: created, audit: { action: 'ca-certificate.register', resourceType: 'ca-certificate', resourceId: created.id, details }, change: { kind: 'instance' } };
    });
    return view(saved);
  }

  /** The proof of possession, refused with the first precise reason (SPEC 4.2). */
  private checkProof(input: { certificate: string; verificationCertificate: string }, code: CaRegistrationCodeEntity | null): void {
    const live = code !== null && code.expiresAt > new Date();
    try {
      verifyProofOfPossession({ caCertPem: input.certificate, verificationCertPem: input.verificationCertificate, registrationCode: live ? code.code : NO_CODE });
    } catch (error) {
      if (!(error instanceof PkiError)) throw error;
      if (error.code === 'verification-cn-mismatch') {
        const cn = parseCertificate(input.verificationCertificate).commonName;
        const why = code !== null ? `the registration code "${cn}" expired at ${code.expiresAt.toISOString()}` : `CN ${cn === undefined ? '(none)' : `"${cn}"`} is not a registration code of this instance (ask POST …/ca-certificates/registration-code; a code is used once)`;
        throw refusal(new PkiError('verification-cn-mismatch', `verification certificate: ${why}`), 'verificationCertificate');
      }
      throw refusal(error);
    }
  }

  async update(tenantId: string, instanceId: string, caId: string, input: { status?: CaCertificateStatus; autoRegistration?: boolean }, caller: Caller): Promise<CaView> {
    const saved = await this.write.apply({ tenantId, instanceId, caller }, async (manager, instance) => {
      await this.rows.find(manager, instance, { id: caId });
      // Deactivating is always allowed; anything that lets devices in needs the edition.
      if (input.status === 'ACTIVE' || input.autoRegistration === true) assertDeviceCertificatesAllowed(instance.edition, 'activating a registered CA');
      await manager.update(CaCertificateEntity, { id: caId }, { ...input });
      return {
        result: await manager.findOneByOrFail(CaCertificateEntity, { id: caId }),
        audit: { action: 'ca-certificate.update', resourceType: 'ca-certificate', resourceId: caId, details: { instanceId, ...input } },
        change: { kind: 'instance' },
      };
    });
    return view(saved);
  }

  /** Deletes the CA and the device certificates it issued; devices using them are disconnected by the broker. */
  async delete(tenantId: string, instanceId: string, caId: string, caller: Caller): Promise<void> {
    await this.write.apply({ tenantId, instanceId, caller }, async (manager, instance) => {
      const ca = await this.rows.find(manager, instance, { id: caId });
      await manager.delete(CaCertificateEntity, { id: caId });
      const details = { instanceId, subject: ca.subject, fingerprint256: ca.fingerprint256 };
      return { result: undefined, audit: { action: 'ca-certificate.delete', resourceType: 'ca-certificate', resourceId: caId, details }, change: { kind: 'instance' } };
    });
  }
}
