export * from './catalog';
export * from './gate';
