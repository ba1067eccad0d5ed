export * from './entities';
export { MIGRATIONS } from './migrations';
export { createDataSource, dataSourceOptions, openMigrated, type DataSourceSettings } from './data-source';
export { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
export { NODE_DEAD_MS, deadNodesWithInstances, liveNodesByLoad, nodeIsLive, relocateInstances, type NodeLoad, type Relocation } from './node-placement';
export { allocateInstancePorts, releaseInstancePorts } from './port-allocation';
