import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/*
 * Requests the fetch-based ApiClient cannot make: a body that is only partly sent, a body
 * without a content-type, a chosen source address (any 127.x.y.z reaches a server on
 * 127.0.0.1, and the server sees that address).
 */

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body as JSON when it is JSON. */
  json: Record<string, unknown>;
}

export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  localAddress?: string;
}

function parse(status: number, headers: IncomingHttpHeaders, text: string): RawResponse {
  const json = (headers['content-type'] ?? '').includes('json') && text ? (JSON.parse(text) as Record<string, unknown>) : {};
  return { status, headers, text, json };
}

/** Sends a whole request and reads the whole response. */
export function rawRequest(baseUrl: string, options: RawRequest): Promise<RawResponse> {
  const url = new URL(options.path, baseUrl);
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: options.method, headers: options.headers, localAddress: options.localAddress }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(parse(response.statusCode ?? 0, response.headers, Buffer.concat(chunks).toString('utf8'))));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

/**
 * Declares a body of `declaredLength` bytes, sends only `firstChunk` of it and waits for the
 * answer: it resolves only if the server answered while most of the body was still unsent,
 * which it can only do without reading (let alone parsing) the body.
 */
export function answerToPartialBody(baseUrl: string, options: Omit<RawRequest, 'body'> & { declaredLength: number; firstChunk: string }): Promise<RawResponse> {
  const url = new URL(options.path, baseUrl);
  const headers = { ...options.headers, 'content-length': String(options.declaredLength) };
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = httpRequest(url, { method: options.method, headers, localAddress: options.localAddress }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        answered = true;
        resolve(parse(response.statusCode ?? 0, response.headers, Buffer.concat(chunks).toString('utf8')));
        request.destroy();
      });
    });
    // The server may close the connection once it has answered; only an error before the answer counts.
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    request.write(options.firstChunk);
  });
}
