export { createTestDatabase, type TestDatabase } from './test-database';
export { testConfig } from './test-config';
export { ApiClient, type ApiResponse } from './api-client';
export { eventually } from './eventually';
export { TestScramClient } from './scram-client';
export { startMongoWireServer, type MongoWireServer } from './mongo-wire-server';
export { acrossMigration } from './across-migration';
