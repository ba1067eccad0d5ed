export * from './catalog';
export * from './gate';
export * from './quota';
