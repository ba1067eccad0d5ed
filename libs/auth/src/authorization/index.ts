export * from './acl-rule';
export * from './topic-match';
export * from './compiled-rules';
export * from './client-acl';
export * from './authorization-chain';
export * from './rule-sources';
export * from './decision-cache';
export * from './client-authorization';
