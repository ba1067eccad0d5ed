import { connect } from 'node:net';

/**
 * `npm start` checks NATS before it starts the apps, as it checks Redis: the first server of
 * NATS_URL must answer with its INFO and have JetStream on. One line says what is wrong. (The
 * broker checks again with the NATS client; this probe needs no client in the launcher.)
 */
export async function checkNats(natsUrl: string, timeoutMs = 3_000): Promise<void> {
  const first = new URL(natsUrl.split(',')[0]!.trim());
  const host = first.hostname;
  const port = Number(first.port || 4222);
  const info = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, host);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (!text.includes('\n')) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(text.split('\n')[0]!);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  }).catch((error: Error) => {
    throw new Error(`cannot reach NATS at ${host}:${port} (${error.message || 'connection refused'}); start nats-server with -js or set NATS_URL`);
  });
  if (!/^INFO /.test(info)) throw new Error(`${host}:${port} is not a NATS server; set NATS_URL`);
  if (!/"jetstream":\s*true/.test(info)) throw new Error(`NATS at ${host}:${port} has JetStream off; start nats-server with -js`);
}
