import { z } from 'zod';

/**
 * A PSK identity as TLS carries it (RFC 4279): printable, no spaces, so that it can also serve
 * as the client's MQTT user name and be typed on a command line.
 */
const identity = z
  .string({ error: 'identity must be a string' })
  .regex(/^[\x21-\x7e]{1,128}$/, { error: 'identity must be 1 to 128 printable ASCII characters without spaces' });

/** 16 to 64 bytes, hex, as `openssl s_client -psk` and `mosquitto_pub --psk` take it. */
const key = z.string({ error: 'key must be a hex string' }).regex(/^(?:[0-9a-fA-F]{2}){16,64}$/, { error: 'key must be 16 to 64 bytes in hex' });

export const createPskIdentitySchema = z.object({ identity, key: key.optional().describe('hex; generated (32 bytes) when omitted') }).strict();

export const listPskIdentitiesSchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.string().optional(),
});

export const pskIdentityViewSchema = z.object({ identity: z.string(), createdAt: z.iso.datetime() });

export const createdPskIdentitySchema = pskIdentityViewSchema.extend({ key: z.string().describe('hex, shown once') });

export const pskIdentityPageSchema = z.object({ items: z.array(pskIdentityViewSchema), nextCursor: z.string().nullable() });
