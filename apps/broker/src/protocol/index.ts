export {
  DEFAULT_INSTANCE_LIMITS,
  INSTANCE_USAGE_FIELDS,
  InstanceBroker,
  type ConnectedClientInfo,
  type ConnectionInfo,
  type InstanceBrokerOptions,
  type InstanceLimits,
  type PeerCertificate,
  type TlsHandshake,
  type InstanceUsage,
} from './instance-broker';
export { RC as MQTT5_REASON_CODES } from './reason-codes';
export { REFUSAL_REASONS, type RefusalCounts, type RefusalReason } from './refusal-counters';
