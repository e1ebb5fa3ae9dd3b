import { promises as dns } from 'node:dns';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import { buildConnector } from 'undici';
import { refusal, type OutboundRules } from '../lib/outbound-rules.js';

// The outbound URL policy, enforced where it cannot be dodged: when the connection is opened.
// A host name is resolved here, each address it resolves to is judged (so a name that resolves
// to a private address, or one whose answer changes between a check and the connection, gets
// nowhere), and only allowed addresses are connected to; a literal address is judged before any
// packet leaves. The socket's peer is checked once more when it connects.

/** Resolves a host name to its addresses; `dns.lookup` by default, a stub in tests. */
export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

export const systemResolver: Resolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/** A connection the policy did not allow; the delivery is given up with this reason. */
export class OutboundRefused extends Error {
  readonly code = 'WISP_OUTBOUND_REFUSED';
  constructor(reason: string) {
    super(`refused by the outbound policy: ${reason}`);
    this.name = 'OutboundRefused';
  }
}

/** A `lookup` for net.connect that returns only the addresses the rules allow. */
export function policyLookup(rules: OutboundRules, resolver: Resolver): LookupFunction {
  return (hostname, options, callback) => {
    resolver(hostname).then(
      (answers) => {
        const wanted = options.family === 4 || options.family === 6 ? answers.filter((a) => a.family === options.family) : answers;
        let reason: string | null = null;
        const allowed = wanted.filter((answer) => {
          const why = refusal(rules, answer.address, hostname);
          reason ??= why;
          return why === null;
        });
        if (allowed.length === 0) {
          const error = new OutboundRefused(reason ? `${hostname} resolves to ${reason}` : `${hostname} has no address`);
          return callback(error, '', 0);
        }
        if (options.all) return (callback as (e: null, a: { address: string; family: number }[]) => void)(null, allowed);
        return callback(null, allowed[0].address, allowed[0].family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

/** An undici connector that opens only the connections the rules allow. */
export function policyConnector(rules: OutboundRules, resolver: Resolver, timeoutMs: number): buildConnector.connector {
  const connect = buildConnector({ timeout: timeoutMs, lookup: policyLookup(rules, resolver) });
  return (options, callback) => {
    const host = options.hostname.replace(/^\[|\]$/g, '');
    const literal = isIP(host) ? refusal(rules, host) : null;
    if (literal) return callback(new OutboundRefused(literal), null);
    connect(options, (error, socket) => {
      if (error || !socket) return callback(error ?? new Error('no socket'), null);
      const peer = (socket as Socket).remoteAddress;
      const late = peer ? refusal(rules, peer, options.hostname) : null;
      if (late) {
        socket.destroy();
        return callback(new OutboundRefused(late), null);
      }
      callback(null, socket);
    });
  };
}
