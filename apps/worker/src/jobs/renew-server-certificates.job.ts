import { InstanceEntity } from '@mqc/db';
import { SECRET_CONTEXT } from '@mqc/domain';
import { issueServerCertificate, parseCertificate } from '@mqc/pki';
import type { JobPayloads } from '@mqc/queue';
import { In } from 'typeorm';
import { serverCommonName, serverNames, SERVER_CERTIFICATE_DAYS } from './instance-tls';
import type { JobContext } from './job-context';

export type RenewServerCertificatesPayload = JobPayloads['renew-server-certificates'];

/** A server certificate is re-issued this long before it expires. */
export const RENEW_WITHIN_DAYS = 30;
const DAY_MS = 24 * 3600 * 1000;

/**
 * Item 1 of SPEC 4.2's managed PKI: server certificates are re-issued by the instance CA
 * before they expire (a repeated job). The broker swaps the new certificate into the TLS
 * listener's secure context on the change event; connected clients keep their sessions.
 */
export class RenewServerCertificatesJob {
  constructor(private readonly context: JobContext) {}

  async run({ renewWithinDays = RENEW_WITHIN_DAYS }: RenewServerCertificatesPayload): Promise<number> {
    const { dataSource, secrets, config, changes, logger } = this.context;
    const instances = await dataSource.getRepository(InstanceEntity).find({
      where: { status: In(['PROVISIONING', 'RUNNING', 'UPDATING']) },
      select: { id: true, serverCertPem: true, caCertPem: true, caKeySealed: true },
    });
    const horizon = Date.now() + renewWithinDays * DAY_MS;
    let renewed = 0;
    for (const instance of instances) {
      if (!instance.serverCertPem || !instance.caCertPem || !instance.caKeySealed) continue;
      if (parseCertificate(instance.serverCertPem).notAfter.getTime() > horizon) continue;
      try {
        const ca = { certPem: instance.caCertPem, keyPem: secrets.openText(instance.caKeySealed, SECRET_CONTEXT.instanceCaKey(instance.id)) };
        const server = await issueServerCertificate({ ca, commonName: serverCommonName(config.publicHost, instance.id), ...serverNames(config.publicHost, { instanceId: instance.id, publicDomain: config.publicDomain }), validityDays: SERVER_CERTIFICATE_DAYS });
        // Only over the certificate this run read: a concurrent renewal is not overwritten.
        const result = await dataSource
          .getRepository(InstanceEntity)
          .update(
            { id: instance.id, serverCertPem: instance.serverCertPem },
            { serverCertPem: server.certPem, serverKeySealed: secrets.seal(server.keyPem, SECRET_CONTEXT.instanceServerKey(instance.id)) },
          );
        if (!result.affected) continue;
        renewed++;
        await changes.publish({ kind: 'instance', instanceId: instance.id });
        logger.info({ instanceId: instance.id, notAfter: parseCertificate(server.certPem).notAfter }, 'server certificate renewed');
      } catch (error) {
        // One instance's broken CA must not stop the others' renewals.
        logger.error({ instanceId: instance.id, err: error }, 'server certificate renewal failed');
      }
    }
    return renewed;
  }
}
