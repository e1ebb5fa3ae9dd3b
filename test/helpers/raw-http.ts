import { connect } from 'node:net';

// Bytes on a bare TCP connection: for requests no HTTP client would send.

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `bytes` and resolves with everything that came back once the server closes the connection. */
export function rawExchange(url: string, bytes: string | Buffer, ceilingMs = 15_000): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    const ceiling = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${ceilingMs} ms`));
    }, ceilingMs);
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(ceiling);
      resolve(received);
    });
    socket.write(bytes);
  });
}

/** Sends one request that asks to close the connection, and reads the answer. */
export async function rawRequest(url: string, bytes: string | Buffer): Promise<RawAnswer> {
  return parseAnswer(await rawExchange(url, bytes));
}

export function parseAnswer(text: string): RawAnswer {
  const split = text.indexOf('\r\n\r\n');
  if (split < 0) throw new Error(`not an HTTP answer: ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(split + 4) };
}
