import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig } from '../../src/config.js';
import { literalRefusal, parseOutboundRules, refusal } from '../../src/lib/outbound-rules.js';
import { policyLookup, type Resolver } from '../../src/network/outbound-policy.js';
import type { TestServer } from '../helpers/server.js';
import { settledAt, simAt, startFastServer, until } from '../helpers/lifecycle.js';

// Nothing here leaves this machine: public addresses are only judged, never connected to, and
// host names resolve through a stub to loopback (where the listener counts connections) or to
// addresses that must be refused before any connection is tried.

const REFUSED_UNDER_PUBLIC = [
  '127.0.0.1', '127.1.2.3', '::1', // loopback
  '10.0.0.1', '172.16.5.4', '192.168.1.1', // RFC 1918
  '169.254.169.254', 'fe80::1', // link-local, the metadata address
  '100.64.0.1', '100.100.100.200', // CGNAT, Alibaba's metadata
  '224.0.0.1', 'ff02::1', '255.255.255.255', // multicast, broadcast
  '0.0.0.0', '::', // unspecified
  'fc00::1', 'fd00:ec2::254', // unique-local, AWS's IPv6 metadata
  '::ffff:127.0.0.1', '::ffff:a00:1', '::ffff:169.254.169.254', // v4-mapped
  '64:ff9b::7f00:1', '2002:7f00:1::1', '192.0.2.1', // NAT64, 6to4, documentation
];

describe('outbound rules', () => {
  const publicRules = parseOutboundRules('public');

  it('refuses every internal address class under public, and allows public unicast', () => {
    for (const address of REFUSED_UNDER_PUBLIC) assert.ok(refusal(publicRules, address), `${address} is refused`);
    for (const address of ['8.8.8.8', '93.184.216.34', '2606:4700::1111']) assert.equal(refusal(publicRules, address), null, `${address} is allowed`);
    assert.match(refusal(publicRules, '10.0.0.1') ?? '', /private.*WISP_CALLBACK_NETWORKS=public/);
  });

  it('refuses decimal, hex, octal and v4-mapped spellings of internal addresses in URLs', () => {
    for (const url of ['http://2130706433/', 'http://0x7f000001/', 'http://0177.0.0.1/', 'http://0x7f.1/', 'http://127.1/', 'http://0/', 'http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]:8080/x', 'http://3232235777/', 'http://[fd00:ec2::254]/']) {
      assert.ok(literalRefusal(publicRules, url), `${url} is refused`);
    }
    assert.equal(literalRefusal(publicRules, 'https://hooks.example.com/x'), null, 'names are judged when resolved');
  });

  it('refuses link-local and metadata addresses under any unless they are listed', () => {
    const any = parseOutboundRules('any');
    for (const address of ['127.0.0.1', '10.1.1.1', '::1', '192.168.0.7']) assert.equal(refusal(any, address), null);
    for (const address of ['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', 'fe80::1', '::ffff:169.254.169.254']) assert.ok(refusal(any, address), `${address} is refused`);
    const listed = parseOutboundRules('public, 169.254.169.254/32, 10.0.0.0/8');
    assert.equal(refusal(listed, '169.254.169.254'), null);
    assert.equal(refusal(listed, '10.9.8.7'), null);
    assert.ok(refusal(listed, '169.254.1.1'));
    assert.ok(refusal(listed, '192.168.1.1'));
  });

  it('allows listed host names, but not to link-local or metadata addresses', () => {
    const rules = parseOutboundRules('hooks.test,*.internal.test');
    assert.equal(refusal(rules, '127.0.0.1', 'hooks.test'), null);
    assert.equal(refusal(rules, '10.0.0.1', 'a.internal.test'), null);
    assert.ok(refusal(rules, '10.0.0.1', 'other.test'));
    assert.ok(refusal(rules, '169.254.169.254', 'hooks.test'));
    assert.ok(refusal(rules, '8.8.8.8', 'other.test'), 'a list without public allows only what it names');
  });

  it('judges every answer of a resolver that changes its mind (DNS rebinding)', async () => {
    let calls = 0;
    const rebinding: Resolver = async () => (calls++ === 0 ? [{ address: '93.184.216.34', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]);
    const lookup = policyLookup(publicRules, rebinding);
    const ask = () =>
      new Promise<{ error: Error | null; address: unknown }>((resolve) => lookup('rebind.test', { all: true }, (error, address) => resolve({ error, address })));
    const first = await ask();
    assert.equal(first.error, null);
    assert.deepEqual(first.address, [{ address: '93.184.216.34', family: 4 }]);
    const second = await ask();
    assert.match(String(second.error?.message), /rebind\.test resolves to 127\.0\.0\.1 is a loopback address/);
  });

  it('stops the start on a setting it cannot read', () => {
    assert.throws(() => loadConfig({ WISP_CALLBACK_NETWORKS: 'public,10.0.0.0/33' }), ConfigError);
    assert.throws(() => loadConfig({ WISP_CALLBACK_NETWORKS: 'everything!' }), /WISP_CALLBACK_NETWORKS/);
    assert.equal(loadConfig({}).callbackNetworks.text, 'any');
  });
});

/** A loopback listener that counts the connections made to it. */
async function countingListener(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const server: Server = createServer((_req, res) => res.end('ok'));
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const STUB_DNS: Record<string, string> = {
  'private.test': '127.0.0.1',
  'rfc1918.test': '10.11.12.13',
  'metadata.test': '169.254.169.254',
  'hooks.test': '127.0.0.1',
};
const stubResolver: Resolver = async (hostname) => {
  const address = STUB_DNS[hostname];
  if (!address) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return [{ address, family: 4 }];
};

describe('callbacks under WISP_CALLBACK_NETWORKS', () => {
  let server: TestServer;
  let listener: Awaited<ReturnType<typeof countingListener>>;
  before(async () => {
    listener = await countingListener();
    server = await startFastServer({ WISP_CALLBACK_NETWORKS: 'public,hooks.test' }, { resolver: stubResolver });
  });
  after(async () => {
    await server.close();
    await listener.close();
  });

  const deliveriesOf = async (sid: string) => (await server.admin('GET', `/admin/v1/Callbacks?sim_sid=${sid}`)).body.callbacks as any[];

  it('answers 400 naming the rule for a literal internal address, and changes nothing', async () => {
    const { sid } = await simAt(server, 'ready');
    const port = listener.port;
    // Every spelling of the listener's address, and the internal ranges it stands for.
    const forms = [
      `http://127.0.0.1:${port}/x`, `http://127.1:${port}/x`, `http://2130706433:${port}/x`, `http://0x7f000001:${port}/x`, `http://0x7f.1:${port}/x`,
      `http://0177.0.0.1:${port}/x`, `http://0:${port}/x`, `http://0.0.0.0:${port}/x`, `http://[::1]:${port}/x`, `http://[::ffff:127.0.0.1]:${port}/x`,
      `http://[::ffff:7f00:1]:${port}/x`, `http://[::]:${port}/x`, 'http://10.0.0.1/x', 'http://172.16.0.1/x', 'http://192.168.0.1/x', 'http://100.64.0.1/x',
      'http://169.254.169.254/latest/meta-data/', 'http://[fd00:ec2::254]/latest/meta-data/', 'http://100.100.100.200/latest/meta-data/', 'http://[fe80::1]/x',
    ];
    for (const url of forms) {
      const res = await server.request('POST', `/v1/Sims/${sid}`, { form: { Status: 'active', CallbackUrl: url } });
      assert.equal(res.status, 400, url);
      assert.equal(res.body.code, 33101, "an invalid parameter value of a Wireless resource");
      assert.match(res.body.message, /CallbackUrl is not allowed: .* address/);
    }
    const res = await server.request('POST', `/v1/Sims/${sid}`, { form: { CommandsCallbackUrl: `http://10.0.0.1/in` } });
    assert.equal(res.status, 400);
    assert.match(res.body.message, /CommandsCallbackUrl is not allowed: 10\.0\.0\.1 is a private/);
    const command = await server.request('POST', '/v1/Commands', { form: { Sim: sid, Command: 'hi', CallbackUrl: `http://0x7f.1:${listener.port}/c` } });
    assert.equal(command.status, 400);
    const sim = await server.client().wireless.v1.sims(sid).fetch();
    assert.equal(sim.status, 'ready');
    assert.equal(sim.commandsCallbackUrl, null);
    assert.equal(listener.connections(), 0);
  });

  it('refuses at connect time names that resolve to internal addresses: recorded once, not retried, no connection', async () => {
    const { sid } = await simAt(server, 'ready');
    const client = server.client();
    await client.wireless.v1.sims(sid).update({ status: 'active', callbackUrl: `http://private.test:${listener.port}/status` });
    await settledAt(server, sid, 'active');
    const [delivery] = await until('the delivery is given up', () => deliveriesOf(sid), (list) => list.length === 1 && list[0].state === 'dead');
    assert.equal(delivery.attempts, 1);
    assert.equal(delivery.response.status, null);
    assert.match(delivery.response.error, /refused by the outbound policy: private\.test resolves to 127\.0\.0\.1 is a loopback address, which WISP_CALLBACK_NETWORKS=public,hooks\.test does not allow/);

    // A replay meets the same rule.
    const replay = await server.admin('POST', `/admin/v1/Callbacks/${delivery.id}/Replay`);
    assert.equal(replay.status, 201);
    await until('the replay is given up', () => deliveriesOf(sid), (list) => list.length === 2 && list.every((d) => d.state === 'dead'));

    for (const [name, reason] of [['rfc1918.test', /10\.11\.12\.13 is a private/], ['metadata.test', /169\.254\.169\.254 is a link-local address/]] as const) {
      const other = await simAt(server, 'ready');
      await client.wireless.v1.sims(other.sid).update({ status: 'active', callbackUrl: `http://${name}:${listener.port}/latest/meta-data/` });
      const [refused] = await until(`${name} is refused`, () => deliveriesOf(other.sid), (list) => list.length === 1 && list[0].state === 'dead');
      assert.match(refused.response.error, reason);
    }
    assert.equal(listener.connections(), 0, 'no refused delivery reached the listener');
  });

  it('refuses a Command callback to a name that resolves to loopback', async () => {
    const { sid } = await simAt(server, 'active');
    const command = await server.client().wireless.v1.commands.create({ sim: sid, command: 'ping', callbackUrl: `http://private.test:${listener.port}/command` });
    assert.ok(command.sid);
    const [refused] = await until('the Command callback is refused', () => deliveriesOf(sid), (list) => list.some((d) => d.request.url.endsWith('/command') && d.state === 'dead'));
    assert.ok(refused);
    assert.equal(listener.connections(), 0);
  });

  it('delivers to a host name the setting lists', async () => {
    const { sid } = await simAt(server, 'ready');
    await server.client().wireless.v1.sims(sid).update({ status: 'active', callbackUrl: `http://hooks.test:${listener.port}/allowed` });
    const [delivered] = await until('the listed host gets its callback', () => deliveriesOf(sid), (list) => list.length === 1 && list[0].state === 'delivered');
    assert.equal(delivered.response.status, 200);
    assert.equal(listener.connections(), 1);
  });
});
