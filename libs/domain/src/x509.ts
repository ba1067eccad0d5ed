/** SPEC 4.2: how an instance's TLS listener treats client certificates. */
export const X509_MODES = ['TLS', 'mTLS', 'BYOC'] as const;
export type X509Mode = (typeof X509_MODES)[number];

/** How device certificates of registered CAs enter the registry: by API only, or also just in time on first connect. */
export const X509_PROVISIONING = ['API', 'JITP'] as const;
export type X509Provisioning = (typeof X509_PROVISIONING)[number];

export interface X509Settings {
  mode: X509Mode;
  provisioning: X509Provisioning;
  autoActivate: boolean;
}

/** What an instance without X.509 settings does: one-way TLS. */
export const DEFAULT_X509_SETTINGS: Readonly<X509Settings> = { mode: 'TLS', provisioning: 'API', autoActivate: false };

export const CA_CERTIFICATE_STATUSES = ['ACTIVE', 'INACTIVE'] as const;
export type CaCertificateStatus = (typeof CA_CERTIFICATE_STATUSES)[number];

export const DEVICE_CERTIFICATE_STATUSES = ['ACTIVE', 'INACTIVE', 'REVOKED', 'PENDING_ACTIVATION'] as const;
export type DeviceCertificateStatus = (typeof DEVICE_CERTIFICATE_STATUSES)[number];

/** How a device certificate entered the registry. */
export type DeviceCertificateOrigin = 'API' | 'JITP' | 'ISSUED';
