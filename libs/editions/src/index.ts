export * from './catalog';
export * from './authenticator-types';
export * from './gate';
export * from './quota';
