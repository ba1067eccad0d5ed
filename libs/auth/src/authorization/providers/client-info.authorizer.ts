import { configObject } from '../../config/common';
import { defineProvider } from '../../providers/provider';

/**
 * The rules the authenticator returned for this client: the JWT `acl` claim (EMQX v1 object or
 * v2 array) and the `acl` array of an HTTP authentication response. Professional and up (the
 * editions with JWT and HTTP authentication).
 */
export const clientInfoAuthorizer = defineProvider({
  type: 'client-info',
  method: 'jwt',
  perChain: 'once',
  config: configObject('client-info', {}),
});
