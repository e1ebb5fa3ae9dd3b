import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import twilio from 'twilio';
import { twilioSignature } from '../../src/jobs/signature.js';

// Wisp signs its status callbacks as Twilio does; the official SDK is the judge.

describe('callback signatures', () => {
  it('signs callbacks exactly as twilio.validateRequest expects', () => {
    const token = '12345678901234567890123456789012';
    const url = 'https://example.com:8443/hook?x=1&y=two%20words';
    const params = { SimSid: 'DEx', SimStatus: 'active', ErrorCode: '', AccountSid: 'ACx' };
    const signature = twilioSignature(token, url, params);
    assert.equal(signature, twilio.getExpectedTwilioSignature(token, url, params));
    assert.ok(twilio.validateRequest(token, signature, url, params));
  });
});
