export * from './authorizer-providers';
export * from './built-in-database.authorizer';
export * from './client-info.authorizer';
export * from './http.authorizer';
