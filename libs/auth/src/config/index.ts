export { PLACEHOLDERS, unknownPlaceholders, type Placeholder } from './common';
export * from './secrets';
export * from './registry';
export { guardedServiceUrl, markedFields, outboundUrl, secret, type FieldMark } from './field-markers';
