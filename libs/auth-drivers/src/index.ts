// The driver-backed side of authentication (pg, mysql2, ioredis, ldapts, undici, mongodb): only the
// broker imports it. What a type is (schema, method, secrets) is the pure @mqc/auth.
export * from './runtimes';
export * from './authenticators/built-in-database.authenticator';
export * from './authenticators/jwt.authenticator';
export * from './authenticators/http.authenticator';
export * from './authenticators/device-secret.authenticator';
export { JwksCache, JwksUnavailableError, type JwksCacheOptions } from './jwks/jwks-cache';
export * from './authenticators/postgresql.authenticator';
export * from './authenticators/mysql.authenticator';
export * from './authenticators/redis.authenticator';
export * from './authenticators/mongodb.authenticator';
export type { ExternalDatabaseOptions } from './external/guarded-socket';
export { mysqlPool } from './external/mysql-query';
export { postgresqlPool } from './external/postgresql-query';
export * from './authenticators/scram.authenticator';
export * from './authenticators/ldap.authenticator';
export * from './authenticators/psk.authenticator';
export * from './authenticators/x509.authenticator';
// The database authorizers (issue 13, platinum): one per authorizer per node, a source per client.
export * from './authorizers/cached-rows-source';
export * from './authorizers/postgresql.authorizer';
export * from './authorizers/mysql.authorizer';
export * from './authorizers/redis.authorizer';
export * from './authorizer-runtimes';
export type { BackendAuthorizer, BackendAuthorizationClient } from './authorizers/backend-authorizer';
export { HttpAuthorizer, type HttpAuthorizerOptions } from './authorizers/http.authorizer';
export { TemplatedHttpClient, type TemplatedHttpOptions } from './external/templated-http';
