import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fastJson from 'fast-json-stringify';
import { simJson } from '../../src/http/serializers.js';
import { simPageSchema, simSchema } from '../../src/http/schemas.js';
import type { Sim } from '../../src/domain/models.js';

// The response schemas (src/http/schemas.ts) only shape output: the compiled serializer must
// write exactly what JSON.stringify writes for the same object, every key and null kept.

const base = 'https://wisp.example.com';

const bare: Sim = {
  sid: 'DE' + '0'.repeat(32), account_sid: 'AC' + '1'.repeat(32), unique_name: null, friendly_name: null, iccid: '8901000000000000000',
  e_id: null, registration_code: 'CODE', status: 'new', reset_status: null, rate_plan_sid: null,
  commands_callback_url: null, commands_callback_method: 'POST', sms_url: null, sms_method: 'POST',
  sms_fallback_url: null, sms_fallback_method: 'POST', voice_url: null, voice_method: 'POST',
  voice_fallback_url: null, voice_fallback_method: 'POST', ip_address: null, date_created: 0, date_updated: 4_102_444_800_123,
};

// Every optional value set, with characters JSON must escape.
const full: Sim = {
  ...bare,
  unique_name: 'tracker "one"\\ \u0001 ünïcode ✓', friendly_name: 'line\nbreak\ttab </script>', e_id: '89049032' + '1'.repeat(24),
  status: 'active', reset_status: 'resetting', rate_plan_sid: 'WP' + '2'.repeat(32),
  commands_callback_url: 'https://example.com/cb?a=1&b="2"', commands_callback_method: 'GET', sms_url: 'https://example.com/sms',
  sms_method: 'GET', sms_fallback_url: 'https://example.com/fb', voice_url: 'https://example.com/voice', voice_fallback_url: 'https://example.com/vfb',
  ip_address: '10.0.0.1', date_created: 1_700_000_000_999,
};

describe('response schemas', () => {
  const sim = fastJson(simSchema);
  const page = fastJson(simPageSchema);

  it('serialize a Sim exactly as JSON.stringify does', () => {
    for (const s of [bare, full]) {
      const body = simJson(s, base);
      assert.equal(sim(body), JSON.stringify(body));
    }
  });

  it('serialize a page of Sims exactly as JSON.stringify does', () => {
    for (const next of [null, `${base}/v1/Sims?PageSize=2&Page=1&PageToken=PTYTI`]) {
      const body = {
        sims: [simJson(bare, base), simJson(full, base)],
        meta: { first_page_url: `${base}/v1/Sims?PageSize=2&Page=0`, key: 'sims', next_page_url: next, page: 0, page_size: 2, previous_page_url: null, url: `${base}/v1/Sims?PageSize=2&Page=0` },
      };
      assert.equal(page(body), JSON.stringify(body));
    }
    const empty = { sims: [], meta: { first_page_url: 'u', key: 'sims', next_page_url: null, page: 3, page_size: 50, previous_page_url: 'p', url: 'u' } };
    assert.equal(page(empty), JSON.stringify(empty));
  });
});
