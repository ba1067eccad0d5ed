import { z } from 'zod';
import { configObject } from './common';

/** SPEC 4.2: the client certificate's CN (or whole subject) used as client id or username. */
export const x509ConfigSchema = configObject('x509', {
  identityFrom: z.enum(['cn', 'subject'], { error: 'identityFrom must be cn or subject' }).default('cn'),
  as: z.enum(['clientid', 'username'], { error: 'as must be clientid or username' }).default('clientid'),
});

export type X509Config = z.output<typeof x509ConfigSchema>;
