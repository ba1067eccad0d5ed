export * from './logger';
export * from './metrics';
export * from './admin-server';
export * from './shutdown';
export * from './run-app';
