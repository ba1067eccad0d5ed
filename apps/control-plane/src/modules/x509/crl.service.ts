import { Inject, Injectable } from '@nestjs/common';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import { DeviceCertificateEntity, InstanceCrlEntity, InstanceEntity } from '@mqc/db';
import { SECRET_CONTEXT, type SecretBox } from '@mqc/domain';
import { createCrl } from '@mqc/pki';
import { DomainError } from '../../common/domain-errors';
import { SECRET_BOX } from '../../common/tokens';
import { OwnedInstances } from '../instances/owned-instances';

/** A CRL says when the next one is due; it is remade a day before, on the first request after. */
const CRL_LIFETIME_MS = 7 * 24 * 3600 * 1000;
const CRL_REFRESH_MS = 24 * 3600 * 1000;

/**
 * SPEC 4.2, "revocation is published as a CRL": the revoked device certificates of the
 * instance's own CA, signed by that CA. Remade in the transaction of each revocation (so the
 * CRL never lags the registry) and when it nears its nextUpdate. Certificates of registered
 * (tenant) CAs cannot be in it: only their CA could sign their CRL.
 */
@Injectable()
export class CrlService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly instances: OwnedInstances,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
  ) {}

  /** Call with the instance row locked (OwnedInstances.lock, as InstanceChanges does): CRL numbers only grow. */
  async regenerate(manager: EntityManager, instanceId: string): Promise<InstanceCrlEntity> {
    const instance = await manager.findOne(InstanceEntity, { where: { id: instanceId }, select: { id: true, caCertPem: true, caKeySealed: true } });
    if (!instance?.caCertPem || !instance.caKeySealed) throw new DomainError('conflict', 'ca-not-ready', 'the instance CA is made during provisioning; try again shortly');
    const revoked = await manager.find(DeviceCertificateEntity, {
      where: { instanceId, caCertificateId: IsNull(), status: 'REVOKED' },
      select: { serialNumber: true, revokedAt: true, updatedAt: true },
      order: { serialNumber: 'ASC' },
    });
    const previous = await manager.findOneBy(InstanceCrlEntity, { instanceId });
    const crlNumber = previous ? Number(previous.crlNumber) + 1 : 1;
    const thisUpdate = new Date();
    const nextUpdate = new Date(thisUpdate.getTime() + CRL_LIFETIME_MS);
    const crlPem = createCrl({
      ca: { certPem: instance.caCertPem, keyPem: this.box.openText(instance.caKeySealed, SECRET_CONTEXT.instanceCaKey(instanceId)) },
      revoked: revoked.map((r) => ({ serialNumber: r.serialNumber, revokedAt: r.revokedAt ?? r.updatedAt })),
      thisUpdate,
      nextUpdate,
      crlNumber,
    });
    const row = manager.create(InstanceCrlEntity, { instanceId, crlNumber: String(crlNumber), crlPem, thisUpdate, nextUpdate });
    await manager.upsert(InstanceCrlEntity, row, ['instanceId']);
    return row;
  }

  async current(tenantId: string, instanceId: string): Promise<string> {
    await this.instances.find(tenantId, instanceId);
    const stored = await this.dataSource.manager.findOneBy(InstanceCrlEntity, { instanceId });
    if (stored && stored.nextUpdate.getTime() - Date.now() > CRL_REFRESH_MS) return stored.crlPem;
    return this.dataSource.transaction(async (manager) => {
      await this.instances.lock(tenantId, instanceId, manager);
      const fresh = await manager.findOneBy(InstanceCrlEntity, { instanceId });
      if (fresh && fresh.nextUpdate.getTime() - Date.now() > CRL_REFRESH_MS) return fresh.crlPem;
      return (await this.regenerate(manager, instanceId)).crlPem;
    });
  }
}
