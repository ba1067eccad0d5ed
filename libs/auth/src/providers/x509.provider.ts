import { z } from 'zod';
import { configObject } from '../config/common';
import { defineProvider } from './provider';

/** SPEC 4.2: the client certificate's CN (or whole subject) used as client id or username. */
export const x509ConfigSchema = configObject('x509', {
  identityFrom: z.enum(['cn', 'subject'], { error: 'identityFrom must be cn or subject' }).default('cn'),
  as: z.enum(['clientid', 'username'], { error: 'as must be clientid or username' }).default('clientid'),
});

export type X509Config = z.output<typeof x509ConfigSchema>;

/** Every edition has TLS and mTLS; one device one certificate (BYOC) is gated by the X.509 settings. */
export const x509Provider = defineProvider({
  type: 'x509',
  method: 'x509-mtls',
  perChain: 'once',
  config: x509ConfigSchema,
});
