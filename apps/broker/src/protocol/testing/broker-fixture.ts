import type { ChainDecision, ConnectCredentials } from '@mqc/auth';
import type { IConnectPacket } from 'mqtt-packet';
import { DEFAULT_INSTANCE_LIMITS, InstanceBroker, type ConnectionInfo, type InstanceLimits } from '../instance-broker';
import { duplexPair } from './duplex-pair';
import { PacketClient } from './packet-client';

export const allowAll = (): Promise<ChainDecision> => Promise.resolve({ kind: 'allow', superuser: false });

export function denyWith(connackCode: number) {
  return (): Promise<ChainDecision> => Promise.resolve({ kind: 'deny', reason: 'bad-credentials', connackCode, message: 'denied by test' });
}

export function createBroker(
  limits: Partial<InstanceLimits> = {},
  authenticate: (credentials: ConnectCredentials) => Promise<ChainDecision> = allowAll,
  instanceId = 'instance-1',
): InstanceBroker {
  return new InstanceBroker({ instanceId, limits: { ...DEFAULT_INSTANCE_LIMITS, ...limits }, authenticate });
}

export function openClient(broker: InstanceBroker, protocolVersion: 3 | 4 | 5 = 4, info: Partial<ConnectionInfo> = {}): PacketClient {
  const [serverSide, clientSide] = duplexPair();
  broker.handleConnection(serverSide, { remoteAddress: '10.0.0.1', transport: 'tcp', ...info });
  return new PacketClient(clientSide, protocolVersion);
}

/** Opens a client and completes CONNECT; throws unless the CONNACK accepts it. */
export async function connectClient(broker: InstanceBroker, protocolVersion: 3 | 4 | 5, options: Partial<IConnectPacket> = {}): Promise<PacketClient> {
  const client = openClient(broker, protocolVersion);
  const connack = await client.connect(options);
  const code = protocolVersion === 5 ? connack.reasonCode : connack.returnCode;
  if (code !== 0) throw new Error(`CONNECT refused with ${code}`);
  return client;
}
