import { configObject } from '../../config/common';
import { defineProvider } from '../../providers/provider';

/** The instance's own rules, managed through `/acl-rules`. Basic and up. */
export const builtInDatabaseAuthorizer = defineProvider({
  type: 'built-in-database',
  method: 'password',
  perChain: 'once',
  config: configObject('built-in-database', {}),
});
