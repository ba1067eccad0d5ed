/** An open listening socket of one instance. */
export interface Listener {
  readonly port: number;
  close(): Promise<void>;
}

export function listen(server: { listen(port: number, host: string, cb: () => void): unknown; once(event: 'error', cb: (e: Error) => void): unknown }, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}
