export * from './redis-connection';
export * from './change-bus';
export * from './jobs';
export * from './job-producer';
export * from './authorization-check-bus';
export * from './instance-activity-store';
