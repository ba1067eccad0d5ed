/** The SecretBox context of each kind of sealed secret: one place, so sealer and opener agree. */
export const SECRET_CONTEXT = {
  instanceCaKey: (instanceId: string) => `instance:${instanceId}:ca-key`,
  instanceServerKey: (instanceId: string) => `instance:${instanceId}:server-key`,
  authenticatorSecrets: (authenticatorId: string) => `authenticator:${authenticatorId}:secrets`,
  /** An authorizer's secret config fields (issue 13), bound to the authorizer row's id. */
  authorizerSecrets: (authorizerId: string) => `authorizer:${authorizerId}:secrets`,
  /** A device's primary or secondary key (SPEC 4.5), bound to the device row's id. */
  deviceKey: (deviceId: string, which: 'primary' | 'secondary') => `device:${deviceId}:${which}-key`,
  /** The private key the worker generated for an issued device certificate, kept for the job's result bundle. */
  deviceCertificateKey: (deviceCertificateId: string) => `device-certificate:${deviceCertificateId}:key`,
  /** A TLS-PSK identity's key (SPEC 4.6), bound to the identity row's id. */
  pskKey: (pskIdentityId: string) => `psk-identity:${pskIdentityId}:key`,
} as const;
