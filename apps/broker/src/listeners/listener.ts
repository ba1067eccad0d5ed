/** An open listening socket of one instance. */
export interface Listener {
  readonly port: number;
  close(): Promise<void>;
}

/** Where a listener listens, and who hears of its errors once it listens (an accept failing for want of file descriptors). */
export interface ListenSite {
  host: string;
  port: number;
  onError: (error: Error) => void;
}

interface ListeningServer {
  listen(port: number, host: string, cb: () => void): unknown;
  once(event: 'error', cb: (e: Error) => void): unknown;
  on(event: 'error', cb: (e: Error) => void): unknown;
  off(event: 'error', cb: (e: Error) => void): unknown;
}

/**
 * Listens; rejects when the port cannot be had (EADDRINUSE, EACCES). From then on the server's
 * errors go to `site.onError`: a server always has an 'error' listener, so none can take the
 * process down.
 */
export function listen(server: ListeningServer, site: ListenSite): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (error: Error): void => {
      server.on('error', site.onError);
      reject(error);
    };
    server.once('error', failed);
    server.listen(site.port, site.host, () => {
      server.off('error', failed);
      server.on('error', site.onError);
      resolve();
    });
  });
}
