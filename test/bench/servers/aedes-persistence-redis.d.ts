/** aedes-persistence-redis ships no types: what the bench's aedes server uses of it. */
declare module 'aedes-persistence-redis' {
  interface RedisPersistenceOptions {
    host?: string;
    port?: number;
    db?: number;
    maxSessionDelivery?: number;
  }
  export default function aedesPersistenceRedis(options?: RedisPersistenceOptions): unknown;
}
