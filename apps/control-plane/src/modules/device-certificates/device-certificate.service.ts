import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { CaCertificateEntity, DeviceCertificateEntity, type InstanceEntity } from '@mqc/db';
import type { DeviceCertificateStatus } from '@mqc/domain';
import { PkiError, isSignedBy, parseCertificate, type CertificateInfo } from '@mqc/pki';
import type { Caller } from '../../common/caller';
import { DomainError } from '../../common/domain-errors';
import { InstanceChanges } from '../instances/instance-changes';
import { InstanceRows } from '../instances/instance-rows';
import { OwnedInstances } from '../instances/owned-instances';
import { CrlService } from '../x509/crl.service';
import { fieldRefusal, pkiRefusal } from '../x509/pki-problem';
import { assertWithinQuota } from '../../common/edition-gate';
import { assertDeviceCertificatesAllowed } from '../x509/x509-edition-gate';
import { deviceCertificateView, type DeviceCertificateView } from './device-certificate.view';

/** Serial numbers as the registry keeps them: upper-case hex, as Node writes them. */
export function normalizeSerial(serial: string): string {
  return serial.replace(/:/g, '').toUpperCase();
}

/** The registry's device-certificate quota of the instance's edition, checked under the instance lock. */
export async function assertDeviceCertificateQuota(manager: EntityManager, instance: InstanceEntity, adding: number): Promise<void> {
  assertWithinQuota(instance.edition, 'deviceCertificates', await manager.countBy(DeviceCertificateEntity, { instanceId: instance.id }), adding);
}

/**
 * SPEC 4.2, the device certificate registry: certificates of the instance CA or of a
 * registered CA, each bound to the client id of its CN. Deactivating or revoking one
 * disconnects the devices using it at once (change event); revoking one of the instance CA
 * also remakes the CRL in the same transaction. A revoked certificate stays revoked.
 */
@Injectable()
export class DeviceCertificateService {
  private readonly rows: InstanceRows<DeviceCertificateEntity>;

  constructor(
    dataSource: DataSource,
    instances: OwnedInstances,
    private readonly write: InstanceChanges,
    private readonly crls: CrlService,
  ) {
    this.rows = new InstanceRows(dataSource, instances, DeviceCertificateEntity, 'device-certificate');
  }

  async list(
    tenantId: string,
    instanceId: string,
    o: { limit: number; after?: string; status?: DeviceCertificateStatus; clientId?: string },
  ): Promise<{ items: DeviceCertificateView[]; nextCursor: string | null }> {
    const { rows, nextCursor } = await this.rows.page(tenantId, instanceId, {
      key: { column: 'serial_number', of: (d) => d.serialNumber },
      limit: o.limit,
      after: o.after === undefined ? undefined : normalizeSerial(o.after),
      filter: (query) => {
        if (o.status !== undefined) query.andWhere('r.status = :status', { status: o.status });
        if (o.clientId !== undefined) query.andWhere('r.client_id = :clientId', { clientId: o.clientId });
      },
    });
    return { items: rows.map(deviceCertificateView), nextCursor };
  }

  async get(tenantId: string, instanceId: string, serial: string): Promise<DeviceCertificateView> {
    return deviceCertificateView(await this.rows.get(tenantId, instanceId, { serialNumber: normalizeSerial(serial) }));
  }

  /** The CA (instance CA: null) whose key signed the certificate, or a 422 saying it is none of the instance's. */
  private async issuerOf(manager: EntityManager, instance: InstanceEntity, certificate: string): Promise<string | null> {
    if (instance.caCertPem && isSignedBy(certificate, instance.caCertPem)) return null;
    const cas = await manager.find(CaCertificateEntity, { where: { instanceId: instance.id }, select: { id: true, certificatePem: true } });
    const issuer = cas.find((ca) => isSignedBy(certificate, ca.certificatePem));
    if (!issuer) throw fieldRefusal('certificate-not-from-registered-ca', 'certificate', 'not signed by the instance CA nor by a CA registered with this instance');
    return issuer.id;
  }

  async register(tenantId: string, instanceId: string, input: { certificate: string; status: DeviceCertificateStatus }, caller: Caller): Promise<DeviceCertificateView> {
    let info: CertificateInfo;
    try {
      info = parseCertificate(input.certificate);
    } catch (error) {
      if (error instanceof PkiError) throw pkiRefusal(error, 'certificate');
      throw error;
    }
    if (info.isCa) throw fieldRefusal('certificate-is-a-ca', 'certificate', `"${info.subject}" is a CA certificate; register it under ca-certificates`);
    if (info.commonName === undefined) throw fieldRefusal('certificate-without-cn', 'certificate', 'a device certificate needs a CN: it is the client id the device connects with');
    if (info.notAfter <= new Date()) throw fieldRefusal('certificate-expired', 'certificate', `expired at ${info.notAfter.toISOString()}`);
    const exists = () => new DomainError('conflict', 'device-certificate-exists', `a certificate with serial ${info.serialNumber} is already registered`);
    const saved = await this.write.apply({ tenantId, instanceId, caller, onUniqueViolation: exists }, async (manager, instance) => {
      assertDeviceCertificatesAllowed(instance.edition, 'the device certificate registry');
      const caCertificateId = await this.issuerOf(manager, instance, input.certificate);
      if (await manager.existsBy(DeviceCertificateEntity, { instanceId, serialNumber: info.serialNumber })) throw exists();
      await assertDeviceCertificateQuota(manager, instance, 1);
      const created = await manager.save(
        manager.create(DeviceCertificateEntity, {
          instanceId,
          caCertificateId,
          clientId: info.commonName!,
          serialNumber: info.serialNumber,
          fingerprint256: info.fingerprint256,
          certificatePem: input.certificate.trim() + '\n',
          subject: info.subject,
          notBefore: info.notBefore,
          notAfter: info.notAfter,
          status: input.status,
          origin: 'API',
          revokedAt: null,
          jobId: null,
          jobItem: null,
        }),
      );
      return {
        result: created,
        audit: { action: 'device-certificate.register', resourceType: 'device-certificate', resourceId: info.serialNumber, details: { instanceId, clientId: info.commonName, status: input.status, caCertificateId } },
        change: { kind: 'credential-changed', credential: { type: 'certificate', serial: created.serialNumber } },
      };
    });
    return deviceCertificateView(saved);
  }

  async update(tenantId: string, instanceId: string, serial: string, input: { status: 'ACTIVE' | 'INACTIVE' | 'REVOKED' }, caller: Caller): Promise<DeviceCertificateView> {
    const saved = await this.write.apply({ tenantId, instanceId, caller }, async (manager, instance) => {
      const found = await this.rows.find(manager, instance, { serialNumber: normalizeSerial(serial) });
      if (found.status === 'REVOKED' && input.status !== 'REVOKED') {
        throw new DomainError('conflict', 'certificate-revoked', `certificate ${found.serialNumber} is revoked; a revoked certificate stays revoked`);
      }
      // Deactivating and revoking are always allowed; letting a device in needs the edition.
      if (input.status === 'ACTIVE') assertDeviceCertificatesAllowed(instance.edition, 'activating a device certificate');
      const from = found.status;
      if (from !== input.status) {
        await manager.update(
          DeviceCertificateEntity,
          { id: found.id },
          input.status === 'REVOKED' ? { status: input.status, revokedAt: new Date() } : { status: input.status },
        );
        if (input.status === 'REVOKED' && found.caCertificateId === null) await this.crls.regenerate(manager, instanceId);
      }
      const action = input.status === 'REVOKED' ? 'device-certificate.revoke' : 'device-certificate.update';
      const details = { instanceId, clientId: found.clientId, from, status: input.status };
      return {
        result: await manager.findOneByOrFail(DeviceCertificateEntity, { id: found.id }),
        audit: from === input.status ? null : { action, resourceType: 'device-certificate', resourceId: found.serialNumber, details },
        // SPEC 4: the devices using a certificate that stops being ACTIVE are disconnected at once.
        change: { kind: from === 'ACTIVE' && input.status !== 'ACTIVE' ? 'credential-revoked' : 'credential-changed', credential: { type: 'certificate', serial: found.serialNumber } },
      };
    });
    return deviceCertificateView(saved);
  }

  /** Removes a certificate from the registry. A revoked one stays (it is part of the revocation record and the CRL). */
  async delete(tenantId: string, instanceId: string, serial: string, caller: Caller): Promise<void> {
    await this.write.apply({ tenantId, instanceId, caller }, async (manager, instance) => {
      const found = await this.rows.find(manager, instance, { serialNumber: normalizeSerial(serial) });
      if (found.status === 'REVOKED') throw new DomainError('conflict', 'certificate-revoked', `certificate ${found.serialNumber} is revoked; revoked certificates stay in the registry and the CRL`);
      await manager.delete(DeviceCertificateEntity, { id: found.id });
      return {
        result: undefined,
        audit: { action: 'device-certificate.delete', resourceType: 'device-certificate', resourceId: found.serialNumber, details: { instanceId, clientId: found.clientId } },
        change: { kind: 'credential-revoked', credential: { type: 'certificate', serial: found.serialNumber } },
      };
    });
  }
}
