export * from './entities';
export { MIGRATIONS } from './migrations';
export { createDataSource, dataSourceOptions, openMigrated, type DataSourceSettings } from './data-source';
export { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
