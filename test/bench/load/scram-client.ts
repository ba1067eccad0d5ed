import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';

/**
 * MQTT 5 CONNECT with SCRAM-SHA-256 (RFC 5802 over AUTH) for the load generator. Like real
 * clients (RFC 5802 section 5.1), it keeps SaltedPassword per salt and iteration count, so
 * the generator pays PBKDF2 once and the measured work is the broker's.
 */
const saltedPasswords = new Map<string, Buffer>();

function saltedPassword(password: string, salt: Buffer, iterations: number): Buffer {
  const key = `${password}\0${salt.toString('base64')}\0${iterations}`;
  let salted = saltedPasswords.get(key);
  if (!salted) saltedPasswords.set(key, (salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256')));
  return salted;
}

export function scramConnect(port: number, options: { clientId: string; username: string; password: string }): Promise<{ close(): void; code: number }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    const write = (packet: Packet) => socket.write(mqttPacket.generate(packet, { protocolVersion: 5 }));
    const nonce = randomBytes(12).toString('base64');
    const bare = `n=${options.username},r=${nonce}`;
    let expectedSignature = '';
    const done = (code: number) => {
      socket.removeAllListeners('close');
      resolve({ close: () => socket.destroy(), code });
    };
    parser.on('packet', (packet: Packet) => {
      if (packet.cmd === 'auth') {
        const serverFirst = packet.properties?.authenticationData?.toString() ?? '';
        const fields = new Map(serverFirst.split(',').map((p) => [p[0], p.slice(2)] as const));
        const salted = saltedPassword(options.password, Buffer.from(fields.get('s') ?? '', 'base64'), Number(fields.get('i')));
        const clientKey = createHmac('sha256', salted).update('Client Key').digest();
        const storedKey = createHash('sha256').update(clientKey).digest();
        const withoutProof = `c=biws,r=${fields.get('r') ?? ''}`;
        const authMessage = `${bare},${serverFirst},${withoutProof}`;
        const signature = createHmac('sha256', storedKey).update(authMessage).digest();
        const proof = Buffer.from(clientKey.map((b, i) => b ^ (signature[i] ?? 0)));
        expectedSignature = `v=${createHmac('sha256', createHmac('sha256', salted).update('Server Key').digest()).update(authMessage).digest('base64')}`;
        write({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'SCRAM-SHA-256', authenticationData: Buffer.from(`${withoutProof},p=${proof.toString('base64')}`) } });
      } else if (packet.cmd === 'connack') {
        const verified = packet.properties?.authenticationData?.toString() === expectedSignature;
        done(packet.reasonCode === 0 && !verified ? -2 : (packet.reasonCode ?? -1));
      }
    });
    socket.on('data', (chunk: Buffer) => parser.parse(chunk));
    socket.once('error', reject);
    socket.once('close', () => done(-1));
    socket.once('connect', () =>
      write({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 5,
        clientId: options.clientId,
        clean: true,
        keepalive: 0,
        properties: { authenticationMethod: 'SCRAM-SHA-256', authenticationData: Buffer.from(`n,,${bare}`) },
      }),
    );
  });
}
