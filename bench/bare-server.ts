import { createServer } from 'node:http';

// The yardstick: a bare node:http server answering every request with one fixed Sim-sized JSON
// body, as Wisp's fetch does. Wisp's numbers are reported as a ratio to this one's.

const base = 'http://127.0.0.1:4000';
const sid = 'DE' + '0123456789abcdef'.repeat(2);
const url = `${base}/v1/Sims/${sid}`;
const SIM = {
  sid,
  unique_name: 'fleet-120',
  account_sid: 'AC' + 'fedcba9876543210'.repeat(2),
  rate_plan_sid: 'WP' + '00112233445566778899aabbccddeeff',
  friendly_name: 'Tracker 120',
  iccid: '89880000000000001209',
  e_id: null,
  status: 'active',
  reset_status: null,
  commands_callback_url: null,
  commands_callback_method: 'POST',
  sms_fallback_method: 'POST',
  sms_fallback_url: null,
  sms_method: 'POST',
  sms_url: null,
  voice_fallback_method: 'POST',
  voice_fallback_url: null,
  voice_method: 'POST',
  voice_url: null,
  date_created: '2026-01-01T00:00:00Z',
  date_updated: '2026-01-01T00:00:00Z',
  url,
  links: {
    data_sessions: `${url}/DataSessions`,
    rate_plan: `${base}/v1/RatePlans/WP00112233445566778899aabbccddeeff`,
    usage_records: `${url}/UsageRecords`,
  },
  ip_address: '10.0.0.120',
};
const body = Buffer.from(JSON.stringify(SIM));

const server = createServer((request, response) => {
  request.resume();
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
  response.end(body);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0} ${body.length}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
