import { isIP } from 'node:net';
import type { EntityManager } from 'typeorm';
import { InstanceEntity } from '@mqc/db';
import { SECRET_CONTEXT, sharedTlsHost, type SecretBox } from '@mqc/domain';
import { createCertificateAuthority, issueServerCertificate } from '@mqc/pki';

/**
 * The names a server certificate covers: the public host, loopback for local use, and with
 * MQC_PUBLIC_DOMAIN the instance's name on the nodes' shared endpoint (`<id>.<domain>`).
 */
export function serverNames(publicHost: string, shared?: { instanceId: string; publicDomain: string | undefined }): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames = new Set(['localhost']);
  if (shared?.publicDomain) dnsNames.add(sharedTlsHost(shared.instanceId, shared.publicDomain));
  const ipAddresses = new Set(['127.0.0.1', '::1']);
  (isIP(publicHost) ? ipAddresses : dnsNames).add(publicHost);
  return { dnsNames: [...dnsNames], ipAddresses: [...ipAddresses] };
}

/** Days a server certificate is valid (the browsers' limit); renewed 30 days before the end. */
export const SERVER_CERTIFICATE_DAYS = 397;

/** The names clients check are the SANs; the CN is informative and limited to 64 characters. */
export function serverCommonName(publicHost: string, instanceId: string): string {
  return publicHost.length <= 64 ? publicHost : `mqc-instance-${instanceId.slice(0, 8)}`;
}

/** The columns of an instance's TLS: its own CA and a server certificate it signed, private keys sealed. */
export type InstanceTlsColumns = Pick<InstanceEntity, 'caCertPem' | 'caKeySealed' | 'serverCertPem' | 'serverKeySealed'>;

/** A new CA and server certificate for the instance (CPU only: the caller writes them, with whatever else it writes). */
export async function newInstanceTls(instanceId: string, publicHost: string, secrets: SecretBox, publicDomain?: string): Promise<InstanceTlsColumns> {
  const ca = await createCertificateAuthority({ commonName: `MQC instance ${instanceId} CA`, organization: 'MQC', validityDays: 3650 });
  const server = await issueServerCertificate({ ca, commonName: serverCommonName(publicHost, instanceId), ...serverNames(publicHost, { instanceId, publicDomain }), validityDays: SERVER_CERTIFICATE_DAYS });
  return {
    caCertPem: ca.certPem,
    caKeySealed: secrets.seal(ca.keyPem, SECRET_CONTEXT.instanceCaKey(instanceId)),
    serverCertPem: server.certPem,
    serverKeySealed: secrets.seal(server.keyPem, SECRET_CONTEXT.instanceServerKey(instanceId)),
  };
}

/** The instance's own CA and a server certificate it signed, made once; private keys sealed. */
export async function ensureInstanceTls(manager: EntityManager, instanceId: string, publicHost: string, secrets: SecretBox, publicDomain?: string): Promise<void> {
  const existing = await manager.findOne(InstanceEntity, { where: { id: instanceId }, select: { id: true, caCertPem: true, serverCertPem: true } });
  if (existing?.caCertPem && existing.serverCertPem) return;
  await manager.update(InstanceEntity, { id: instanceId }, await newInstanceTls(instanceId, publicHost, secrets, publicDomain));
}
