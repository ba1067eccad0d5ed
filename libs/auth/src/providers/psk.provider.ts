import { z } from 'zod';
import { configObject } from '../config/common';
import { secret } from '../config/field-markers';
import { defineProvider } from './provider';

const HEX_KEY = /^(?:[0-9a-fA-F]{2}){16,64}$/;

/**
 * SPEC 4.6: TLS-PSK. The identities live in the instance's registry
 * (`/v1/instances/{id}/psk-identities`); `identities` here adds keys kept in the
 * authenticator itself (secret, hex, 16-64 bytes). A client whose TLS-PSK handshake succeeded
 * is allowed; with `identityAsUsername` its identity is its user name (a CONNECT user name, if
 * any, must be the same).
 */
export const pskConfigSchema = configObject('psk', {
  identityAsUsername: z.boolean({ error: 'identityAsUsername must be true or false' }).default(true),
  identities: z
    .record(
      z.string().min(1, { error: 'an identity must not be empty' }).max(128, { error: 'an identity must be at most 128 characters' }),
      secret(z.string().regex(HEX_KEY, { error: 'a PSK must be 16 to 64 bytes, in hex' })),
      { error: 'identities must be an object of identity and hex key' },
    )
    .default({}),
});

export type PskConfig = z.output<typeof pskConfigSchema>;

/** The TLS-PSK handshake proved the identity; the keys are the instance host's (PskKeyring). */
export const pskProvider = defineProvider({
  type: 'psk',
  method: 'psk',
  perChain: 'once',
  config: pskConfigSchema,
});
