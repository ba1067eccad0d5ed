export * from './authorizer-providers';
export * from './built-in-database.authorizer';
export * from './client-info.authorizer';
export * from './http.authorizer';
export * from './database-authorizer-fields';
export * from './postgresql.authorizer';
export * from './mysql.authorizer';
export * from './redis.authorizer';
