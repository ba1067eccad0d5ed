/** The built-in store's configuration lives beside its authenticator; re-exported here with the others. */
export { builtInDatabaseConfigSchema, USER_ID_TYPES } from '../authenticators/built-in-database.authenticator';
