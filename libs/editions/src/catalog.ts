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
  /** Authorizers in an instance's authorization chain (issue 13). */
  authorizersPerChain: number;
  /** Rules of the built-in authorization source per instance. */
  aclRules: number;
}

/**
 * What one instance may hold in a broker node's memory, and one client of it. The broker
 * enforces them (quota-exceeded reason codes, packet too large, queue drops); they are not
 * counts the control plane checks a downgrade against.
 */
export interface EditionLimits {
  /** Retained messages of the instance; a retained PUBLISH beyond either bound is refused. */
  retainedMessages: number;
  /** Bytes of those retained messages (topic + payload + properties). */
  retainedBytes: number;
  /** Largest MQTT packet a client may send (and advertised in the 5.0 CONNACK). */
  maxPacketSize: number;
  subscriptionsPerClient: number;
  subscriptionsPerInstance: number;
  /** Messages queued for one offline or slow session; the oldest are dropped beyond either bound. */
  queuedMessagesPerSession: number;
  queuedBytesPerSession: number;
  /** Sessions of the instance, online and offline (an offline one lives until its expiry); a CONNECT that needs a new one beyond it is refused. */
  sessionsPerInstance: number;
  /** Bytes queued across all sessions of the instance; beyond it a session's oldest are dropped, or the new message when it has none. */
  queuedBytesPerInstance: number;
  /** QoS 1/2 messages unacknowledged in each direction of one connection (5.0 receive maximum). */
  inflightWindow: number;
  /**
   * Longest keep alive a 5.0 client gets, in seconds: one asking for more, or for none (0), is
   * told this value in the CONNACK's Server Keep Alive and must use it. 3.1.1 clients cannot be told.
   */
  keepAliveMaxSeconds: number;
  /** Entries of the instance's event log (issue 15), newest kept: connects, refusals, denials, sampled drops. */
  eventLogEntries: number;
  /**
   * Issue 14: longest a persistent session (and its queued messages) outlives its connection,
   * in seconds: a 5.0 client asking for more is told this value in the CONNACK; a 3.1.1
   * persistent session (clean session 0) gets it. AWS IoT caps it at 7 days.
   */
  sessionExpiryMaxSeconds: number;
}

export interface Edition {
  name: EditionName;
  /** Order of upgrades: a higher rank is an upgrade. */
  rank: number;
  methods: readonly AuthMethod[];
  quotas: EditionQuotas;
  limits: EditionLimits;
  /**
   * Issue 16: whether an instance gets ports of its own (mqtt, mqtts + wss, ws) besides the
   * nodes' shared TLS endpoint. False: only the shared endpoint (mqtts and wss by TLS server
   * name), so the instance costs no port and no listening socket; plain mqtt and ws are not
   * offered. Applies only where the deployment has a shared endpoint (see hasDedicatedPorts).
   */
  dedicatedPorts: boolean;
}

const KiB = 1024;
const DAY = 24 * 3600;
const MiB = 1024 * KiB;

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
    dedicatedPorts: false,
    quotas: {
      maxConnections: 1_000,
      messagesPerSecond: 1_000,
      authenticatorsPerChain: 2,
      registeredCaCertificates: 0,
      /** Issued from the instance CA only (basic registers no CA and no certificate of its own). */
      deviceCertificates: 100,
      builtInUsers: 10_000,
      authorizersPerChain: 2,
      aclRules: 100,
    },
    limits: {
      retainedMessages: 2_000,
      retainedBytes: 16 * MiB,
      maxPacketSize: 256 * KiB,
      subscriptionsPerClient: 100,
      subscriptionsPerInstance: 10_000,
      queuedMessagesPerSession: 1_000,
      queuedBytesPerSession: 4 * MiB,
      sessionsPerInstance: 1_000,
      queuedBytesPerInstance: 64 * MiB,
      inflightWindow: 32,
      keepAliveMaxSeconds: 60,
      eventLogEntries: 1_000,
      sessionExpiryMaxSeconds: 7 * DAY,
    },
  },
  professional: {
    name: 'professional',
    rank: 1,
    dedicatedPorts: true,
    methods: professionalMethods,
    quotas: {
      maxConnections: 50_000,
      messagesPerSecond: 20_000,
      authenticatorsPerChain: 8,
      registeredCaCertificates: 32,
      deviceCertificates: 100_000,
      builtInUsers: 500_000,
      authorizersPerChain: 8,
      aclRules: 10_000,
    },
    limits: {
      retainedMessages: 50_000,
      retainedBytes: 256 * MiB,
      maxPacketSize: 1 * MiB,
      subscriptionsPerClient: 1_000,
      subscriptionsPerInstance: 250_000,
      queuedMessagesPerSession: 10_000,
      queuedBytesPerSession: 32 * MiB,
      sessionsPerInstance: 50_000,
      queuedBytesPerInstance: 512 * MiB,
      inflightWindow: 64,
      keepAliveMaxSeconds: 300,
      eventLogEntries: 10_000,
      sessionExpiryMaxSeconds: 14 * DAY,
    },
  },
  platinum: {
    name: 'platinum',
    rank: 2,
    dedicatedPorts: true,
    methods: [...professionalMethods, 'external-database', 'ldap', 'scram', 'psk'],
    quotas: {
      maxConnections: 1_000_000,
      messagesPerSecond: 200_000,
      authenticatorsPerChain: 16,
      registeredCaCertificates: 32,
      deviceCertificates: 5_000_000,
      builtInUsers: 5_000_000,
      authorizersPerChain: 16,
      aclRules: 100_000,
    },
    limits: {
      retainedMessages: 1_000_000,
      retainedBytes: 1024 * MiB,
      maxPacketSize: 4 * MiB,
      subscriptionsPerClient: 10_000,
      subscriptionsPerInstance: 2_000_000,
      queuedMessagesPerSession: 100_000,
      queuedBytesPerSession: 128 * MiB,
      sessionsPerInstance: 1_000_000,
      queuedBytesPerInstance: 2048 * MiB,
      inflightWindow: 128,
      keepAliveMaxSeconds: 1_200,
      eventLogEntries: 50_000,
      sessionExpiryMaxSeconds: 30 * DAY,
    },
  },
};

/**
 * Whether an instance of the edition gets dedicated ports: always where the deployment has no
 * shared TLS endpoint (MQC_SHARED_TLS_PORT), as before issue 16; otherwise as the edition says.
 */
export function hasDedicatedPorts(edition: EditionName, deploymentHasSharedEndpoint: boolean): boolean {
  return EDITIONS[edition].dedicatedPorts || !deploymentHasSharedEndpoint;
}

export function isEditionName(value: string): value is EditionName {
  return (EDITION_NAMES as readonly string[]).includes(value);
}

/**
 * Password hashing a tenant may ask the cloud for (issue 11): the cost of each hash it sets
 * (an authenticator's `passwordHash`) or imports (a self-describing `$2b$14$…`), and the work
 * of one import. Every hash runs on a pool that all tenants of a process share.
 */
export interface EditionPasswordHashing {
  /** bcrypt cost (log2 rounds). */
  bcryptRounds: number;
  pbkdf2Iterations: number;
  argon2MemoryCostKiB: number;
  argon2TimeCost: number;
  /** Rows in one import request. */
  importRows: number;
  /** Hashing one `type=plain` import may ask for, in reference core-seconds (`hashCostSeconds` in @mqc/auth). */
  importHashSeconds: number;
}

/**
 * Caps as users know them: bcrypt 12 is Laravel's default, 600,000 PBKDF2-SHA256 iterations
 * OWASP's advice, 64 MiB × 3 passes RFC 9106's second argon2id recommendation; 1,000,000
 * iterations is Django's default; platinum takes the process-wide maximum of iterations and memory.
 */
export const EDITION_PASSWORD_HASHING: Readonly<Record<EditionName, EditionPasswordHashing>> = {
  basic: { bcryptRounds: 12, pbkdf2Iterations: 600_000, argon2MemoryCostKiB: 65_536, argon2TimeCost: 3, importRows: 10_000, importHashSeconds: 300 },
  professional: { bcryptRounds: 13, pbkdf2Iterations: 1_000_000, argon2MemoryCostKiB: 131_072, argon2TimeCost: 4, importRows: 100_000, importHashSeconds: 900 },
  platinum: { bcryptRounds: 14, pbkdf2Iterations: 2_000_000, argon2MemoryCostKiB: 262_144, argon2TimeCost: 8, importRows: 250_000, importHashSeconds: 1_800 },
};
