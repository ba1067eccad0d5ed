import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A real HTTP service for the HTTP authenticator's and authorizer's specs.

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (req: Received, res: ServerResponse) => void;

/** A real HTTP service on 127.0.0.1 that records what it received and counts requests in flight. */
export class AuthService {
  received: Received[] = [];
  inFlight = 0;
  maxInFlight = 0;
  handler: Handler = (_req, res) => res.writeHead(204).end();
  private server?: Server;
  private readonly held = new Set<ServerResponse>();
  port = 0;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.received.push(received);
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        this.held.add(res);
        res.on('close', () => {
          this.held.delete(res);
          this.inFlight--;
        });
        this.handler(received, res);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  reset(): void {
    for (const res of this.held) res.destroy();
    this.received = [];
    this.maxInFlight = 0;
    this.handler = (_req, res) => res.writeHead(204).end();
  }

  stop(): Promise<void> {
    this.reset();
    return new Promise((resolve) => this.server!.close(() => resolve()));
  }
}

export const json = (res: ServerResponse, body: unknown, status = 200) => res.writeHead(status, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
