import { InitialSchema1763800000000 } from './1763800000000-initial-schema';
import { DevicesAndAuthenticatorMetrics1763900000001 } from './1763900000001-devices-and-authenticator-metrics';
import { ScramCredentials1764400000000 } from './1764400000000-scram-credentials';
import { PskIdentities1764400000001 } from './1764400000001-psk-identities';
import { X509_1764500000007 } from './1764500000007-x509';
import { ListenerFailureColumn1764600000000 } from './1764600000000-listener-failure-column';
import { Authorization1764700000000 } from './1764700000000-authorization';
import { InstanceRevision1764760000000 } from './1764760000000-instance-revision';

/** Every migration, oldest first. Listed, not globbed, so source and build run the same set. */
export const MIGRATIONS = [InitialSchema1763800000000, DevicesAndAuthenticatorMetrics1763900000001, ScramCredentials1764400000000, PskIdentities1764400000001, X509_1764500000007, ListenerFailureColumn1764600000000, Authorization1764700000000, InstanceRevision1764760000000];
