import type { DeviceCertificateEntity } from '@mqc/db';
import type { DeviceCertificateOrigin, DeviceCertificateStatus } from '@mqc/domain';

export interface DeviceCertificateView {
  serialNumber: string;
  clientId: string;
  status: DeviceCertificateStatus;
  origin: DeviceCertificateOrigin;
  caCertificateId: string | null;
  subject: string;
  fingerprint256: string;
  notBefore: Date;
  notAfter: Date;
  revokedAt: Date | null;
  jobId: string | null;
  certificate: string;
  createdAt: Date;
  updatedAt: Date;
}

export function deviceCertificateView(d: DeviceCertificateEntity): DeviceCertificateView {
  return {
    serialNumber: d.serialNumber,
    clientId: d.clientId,
    status: d.status,
    origin: d.origin,
    caCertificateId: d.caCertificateId,
    subject: d.subject,
    fingerprint256: d.fingerprint256,
    notBefore: d.notBefore,
    notAfter: d.notAfter,
    revokedAt: d.revokedAt,
    jobId: d.jobId,
    certificate: d.certificatePem,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}
