export { createTestDatabase, type TestDatabase } from './test-database';
export { testConfig } from './test-config';
