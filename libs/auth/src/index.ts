// The pure core of authentication: what the control plane may load. No database driver or
// HTTP client is imported from here (the driver-backed authenticators are @mqc/auth-drivers).
export * from './chain/authenticator';
export * from './chain/connack-codes';
export * from './chain/chain-metrics';
export * from './chain/run-chain';
export * from './password/password-hash-params';
export * from './password/password-hash';
export * from './password/hash-cost';
export { parseSelfDescribingHash } from './password/self-describing-hash';
export * from './providers';
export * from './config';
export * from './outbound';
export * from './placeholders';
export * from './throttle/failed-auth-throttle';
export * from './password/verified-password-cache';
export * from './external/password-row';
export * from './external/database-url';
export * from './external/sql-template';
export * from './external/ldap-escape';
export * from './external/ldap-password';
export * from './scram/scram';
export * from './password/slow-hash-gate';
export * from './authorization';
