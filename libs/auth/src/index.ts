export * from './chain/authenticator';
export * from './chain/connack-codes';
export * from './chain/chain-metrics';
export * from './chain/run-chain';
export * from './password/password-hash-params';
export * from './password/password-hash';
export { parseSelfDescribingHash } from './password/self-describing-hash';
export * from './authenticators/built-in-database.authenticator';
