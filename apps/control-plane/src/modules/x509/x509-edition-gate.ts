import { editionAllows, lowestEditionWith, type EditionName } from '@mqc/editions';
import { DomainError } from '../../common/domain-errors';

/**
 * SPEC 2: one device one certificate (BYOC, registered CAs, the device certificate registry
 * and the certificates the worker issues into it) needs the professional edition or higher.
 */
export function assertDeviceCertificatesAllowed(edition: EditionName, what: string): void {
  if (editionAllows(edition, 'x509-device-certificate')) return;
  const needed = lowestEditionWith('x509-device-certificate');
  throw new DomainError('forbidden', 'method-not-in-edition', `${what} needs the ${needed} edition or higher; this instance is ${edition}`, {
    edition,
    requiredEdition: needed,
    method: 'x509-device-certificate',
  });
}
