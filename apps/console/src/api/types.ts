import type { paths } from './schema';

/** Shorthands for the generated types the pages pass around. */
type Json<P extends keyof paths, M extends keyof paths[P], S extends number = 200> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer B } } };
}
  ? B
  : never;

export type Instance = Json<'/v1/instances/{id}', 'get'>;
export type Edition = Json<'/v1/editions', 'get'>['items'][number];
export type EditionName = Edition['name'];
export type Authenticator = Json<'/v1/instances/{id}/authenticators', 'get'>['items'][number];
export type Authorizer = Json<'/v1/instances/{id}/authorizers', 'get'>['items'][number];
export type AclRule = Json<'/v1/instances/{id}/acl-rules', 'get'>['items'][number];
export type User = Json<'/v1/instances/{id}/users', 'get'>['items'][number];
export type CheckAnswer = Json<'/v1/instances/{id}/authorization/check', 'post'>;
