export * from './instance';
export * from './access-policy';
export * from './change-event';
export * from './port-allocation';
export * from './secret-box';
export * from './secret-contexts';
export * from './x509';
