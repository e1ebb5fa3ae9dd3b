import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';

// Live updates of a SIM page, as server-sent events. Each stream reads its SIM from the
// database at a short interval (so a change made by any process shows), sends the page's live
// part when it changed, and ends a little after the SIM settles. Streams are bounded: so many
// per process, and a few per session.

const PER_SESSION = 4;
/** After the SIM settles, its callbacks are usually delivered within this. */
const SETTLE_GRACE_MS = 3_000;
const MAX_STREAM_MS = 10 * 60_000;
const HEARTBEAT_MS = 15_000;

export interface LiveSource {
  /** The live part of the page now, and whether the SIM is still changing. */
  read(): Promise<{ fragment: string; changing: boolean }>;
}

export class LiveStreams {
  private readonly open = new Set<ServerResponse>();
  private readonly bySession = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Streams `source` to the client, or answers 503 when too many streams are open. */
  async stream(request: FastifyRequest, reply: FastifyReply, sessionKey: string, pollMs: number, headers: Record<string, string>, source: LiveSource): Promise<void> {
    const mine = this.bySession.get(sessionKey) ?? 0;
    if (this.open.size >= this.max || mine >= PER_SESSION) {
      // The page still works: it says to reload, and a browser without streams refreshes.
      await reply.code(503).header('Retry-After', '5').type('text/plain').send('Too many live pages are open; reload to see the latest state.');
      return;
    }
    const first = await source.read();
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { ...headers, 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
    this.open.add(raw);
    this.bySession.set(sessionKey, mine + 1);
    const send = (event: string, data: string) => raw.write(`event: ${event}\n${data.split('\n').map((line) => `data: ${line}`).join('\n')}\n\n`);
    let last = first.fragment;
    send('update', last);
    const started = Date.now();
    let settledAt = first.changing ? null : Date.now();
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      clearInterval(heartbeat);
      this.open.delete(raw);
      const left = (this.bySession.get(sessionKey) ?? 1) - 1;
      if (left > 0) this.bySession.set(sessionKey, left);
      else this.bySession.delete(sessionKey);
      if (!raw.writableEnded) raw.end();
    };
    let busy = false;
    const poll = async () => {
      if (busy || closed) return;
      busy = true;
      try {
        const now = await source.read();
        if (now.fragment !== last) {
          last = now.fragment;
          send('update', last);
        }
        if (now.changing) settledAt = null;
        else settledAt ??= Date.now();
        if ((settledAt !== null && Date.now() - settledAt >= SETTLE_GRACE_MS) || Date.now() - started > MAX_STREAM_MS) {
          send('end', 'settled');
          close();
        }
      } catch (error) {
        request.log.warn({ err: error }, 'live stream stopped');
        close();
      } finally {
        busy = false;
      }
    };
    const timer = setInterval(() => void poll(), pollMs);
    const heartbeat = setInterval(() => raw.write(': still here\n\n'), HEARTBEAT_MS);
    request.raw.on('close', close);
    raw.on('close', close);
  }

  /** Ends every stream (the server is closing). */
  closeAll(): void {
    for (const raw of this.open) raw.end();
    this.open.clear();
    this.bySession.clear();
  }
}
