/** The client-authentication methods an edition may include (SPEC section 2). */
export const AUTH_METHODS = [
  'password',
  'x509-tls',
  'x509-mtls',
  'x509-device-certificate',
  'jwt',
  'http',
  'device-secret',
  'external-database',
  'ldap',
  'scram',
  'psk',
] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

export const EDITION_NAMES = ['basic', 'professional', 'platinum'] as const;
export type EditionName = (typeof EDITION_NAMES)[number];

export interface EditionQuotas {
  maxConnections: number;
  messagesPerSecond: number;
  authenticatorsPerChain: number;
  registeredCaCertificates: number;
  deviceCertificates: number;
  builtInUsers: number;
}

export interface Edition {
  name: EditionName;
  /** Order of upgrades: a higher rank is an upgrade. */
  rank: number;
  methods: readonly AuthMethod[];
  quotas: EditionQuotas;
}

const basicMethods: readonly AuthMethod[] = ['password', 'x509-tls', 'x509-mtls'];
const professionalMethods: readonly AuthMethod[] = [
  ...basicMethods,
  'x509-device-certificate',
  'jwt',
  'http',
  'device-secret',
];

/** The catalog. The control plane gates on it; the broker re-checks it when loading an instance. */
export const EDITIONS: Readonly<Record<EditionName, Edition>> = {
  basic: {
    name: 'basic',
    rank: 0,
    methods: basicMethods,
    quotas: {
      maxConnections: 1_000,
      messagesPerSecond: 1_000,
      authenticatorsPerChain: 2,
      registeredCaCertificates: 0,
      deviceCertificates: 0,
      builtInUsers: 10_000,
    },
  },
  professional: {
    name: 'professional',
    rank: 1,
    methods: professionalMethods,
    quotas: {
      maxConnections: 50_000,
      messagesPerSecond: 20_000,
      authenticatorsPerChain: 8,
      registeredCaCertificates: 32,
      deviceCertificates: 100_000,
      builtInUsers: 500_000,
    },
  },
  platinum: {
    name: 'platinum',
    rank: 2,
    methods: [...professionalMethods, 'external-database', 'ldap', 'scram', 'psk'],
    quotas: {
      maxConnections: 1_000_000,
      messagesPerSecond: 200_000,
      authenticatorsPerChain: 16,
      registeredCaCertificates: 32,
      deviceCertificates: 5_000_000,
      builtInUsers: 5_000_000,
    },
  },
};

export function isEditionName(value: string): value is EditionName {
  return (EDITION_NAMES as readonly string[]).includes(value);
}
