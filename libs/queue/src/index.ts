export * from './redis-connection';
export * from './change-bus';
export * from './jobs';
export * from './job-producer';
export * from './instance-request-bus';
export * from './instance-operations';
export * from './instance-activity-store';
