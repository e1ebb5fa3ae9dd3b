import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// Callback receivers that misbehave: one that trickles its answer a byte at a time and never
// ends, one that answers an endless body as fast as it is read.

export interface Loris {
  url: string;
  /** Requests whose answer is still trickling. */
  open: number;
  most: number;
  received: number;
  close(): Promise<void>;
}

/** A receiver that sends its headers, then one byte of its body every 300 ms, and never ends. */
export async function startLoris(): Promise<Loris> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const loris = { url: '', open: 0, most: 0, received: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    loris.received++;
    loris.open++;
    loris.most = Math.max(loris.most, loris.open);
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100000' });
    const timer = setInterval(() => res.write('.'), 300);
    timers.add(timer);
    res.on('close', () => {
      clearInterval(timer);
      loris.open--;
    });
    req.resume();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  loris.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  loris.close = () =>
    new Promise<void>((resolve) => {
      for (const timer of timers) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return loris;
}

/** A receiver that answers 200 with an endless body, as fast as the client reads it. */
export async function startFirehose(limitBytes: number): Promise<{ url: string; written: () => number; close(): Promise<void> }> {
  let written = 0;
  const pump = (res: ServerResponse) => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    while (written < limitBytes && !res.destroyed) {
      written += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', () => pump(res));
    }
    res.end();
  };
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' });
    pump(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    written: () => written,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
