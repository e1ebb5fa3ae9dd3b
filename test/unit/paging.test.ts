import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readPaging, v1Meta, v2010Paging, type PageRequest } from '../../src/http/paging.js';
import { DomainError } from '../../src/domain/errors.js';
import type { Page } from '../../src/domain/models.js';

const BASE = 'https://wisp.example.com';
const page = (seqs: number[], hasMore: boolean): Page<unknown> => ({ items: seqs.map((seq) => ({ seq })), hasMore });

/** The query parameters of a link, as the next request would send them. */
function paramsOf(url: string): Record<string, string> {
  return Object.fromEntries(new URL(url, BASE).searchParams);
}

// Any fault in the paging parameters is a paging fault: 33103 on Wireless lists (src/http/errors.ts).
const invalidPaging = (e: unknown) => e instanceof DomainError && e.code === 'invalid_paging';

describe('reading paging parameters', () => {
  it('defaults to 50 per page, page 0, from the start', () => {
    const req = readPaging({});
    assert.equal(req.pageSize, 50);
    assert.equal(req.page, 0);
    assert.equal(req.token, undefined);
    assert.deepEqual(req.query, { limit: 50 });
  });

  it('accepts PageSize from 1 to 1000 only', () => {
    assert.equal(readPaging({ PageSize: '1' }).pageSize, 1);
    assert.equal(readPaging({ PageSize: '1000' }).query.limit, 1000);
    for (const bad of ['0', '-5', '2.5', 'ten', '', '1e3']) {
      assert.throws(() => readPaging({ PageSize: bad }), (e: Error) => invalidPaging(e) && /PageSize/.test(e.message), bad);
    }
    // Over 1000 is Twilio's "Page size too large" (20007), not an invalid value.
    for (const big of ['1001', '99999999999999999999']) {
      assert.throws(() => readPaging({ PageSize: big }), (e: Error) => (e as { code?: string }).code === 'page_size_too_large', big);
    }
    assert.throws(() => readPaging({ PageSize: ['10', '20'] }), invalidPaging);
  });

  it('needs a PageToken for any page after the first', () => {
    assert.throws(() => readPaging({ Page: '3' }), (e: Error) => invalidPaging(e) && /next_page_url/.test(e.message));
    assert.throws(() => readPaging({ Page: '-1' }), invalidPaging);
  });

  it('refuses tokens it did not issue', () => {
    const forged = [
      'garbage',
      'PT',
      'PT!!!',
      'PT' + Buffer.from('c12').toString('base64url'),
      'PT' + Buffer.from('a').toString('base64url'),
      'PT' + Buffer.from('a-1').toString('base64url'),
      'PT' + Buffer.from('a12345678901234567').toString('base64url'),
      'PT' + Buffer.from('a9999999999999999').toString('base64url'),
      'PT' + Buffer.from('a12 ').toString('base64url'),
      'x'.repeat(65),
    ];
    for (const token of forged) {
      assert.throws(() => readPaging({ PageToken: token, Page: '1' }), invalidPaging, token);
    }
  });
});

describe('page links and tokens', () => {
  const first = readPaging({ PageSize: '3' });

  it('a next link resumes right after the last item, keeping size and filters', () => {
    const meta = v1Meta(BASE, '/v1/Sims', 'sims', { Status: 'active', RatePlan: undefined }, first, page([4, 9, 17], true));
    assert.equal(meta.key, 'sims');
    assert.equal(meta.page, 0);
    assert.equal(meta.page_size, 3);
    assert.equal(meta.previous_page_url, null, 'the first page has no previous page');
    assert.equal(meta.first_page_url, `${BASE}/v1/Sims?Status=active&PageSize=3&Page=0`);
    assert.equal(meta.url, meta.first_page_url);
    const next = paramsOf(meta.next_page_url as string);
    assert.equal(next.Status, 'active');
    assert.equal(next.RatePlan, undefined, 'absent filters stay absent');
    const req = readPaging(next);
    assert.equal(req.page, 1);
    assert.equal(req.pageSize, 3);
    assert.deepEqual(req.query, { limit: 3, afterSeq: 17 });
  });

  it('a previous link ends right before the first item', () => {
    const second = readPaging(paramsOf(v1Meta(BASE, '/v1/Sims', 'sims', {}, first, page([1, 2, 3], true)).next_page_url as string));
    const meta = v1Meta(BASE, '/v1/Sims', 'sims', {}, second, page([4, 5, 6], true));
    assert.equal(paramsOf(meta.url).PageToken, second.token, 'the page links to itself with its own token');
    const previous = readPaging(paramsOf(meta.previous_page_url as string));
    assert.equal(previous.page, 0);
    assert.deepEqual(previous.query, { limit: 3, beforeSeq: 4 });
    // Walking backwards, the page we came from always follows.
    const back = v1Meta(BASE, '/v1/Sims', 'sims', {}, previous, page([1, 2, 3], false));
    assert.deepEqual(readPaging(paramsOf(back.next_page_url as string)).query, { limit: 3, afterSeq: 3 });
  });

  it('the last page has no next link, and an empty page no links at all', () => {
    assert.equal(v1Meta(BASE, '/v1/Sims', 'sims', {}, first, page([1, 2], false)).next_page_url, null);
    const empty = v1Meta(BASE, '/v1/Sims', 'sims', {}, first, page([], false));
    assert.equal(empty.next_page_url, null);
    assert.equal(empty.previous_page_url, null);
  });

  it('round-trips any position, forwards and backwards', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 1 }), fc.integer({ min: 1, max: 1000 }), fc.nat({ max: 10_000 }), (seq, size, index) => {
        const req: PageRequest = { pageSize: size, page: index + 1, token: 'PTx', query: { limit: size } };
        const meta = v1Meta(BASE, '/v1/RatePlans', 'rate_plans', {}, req, page([seq, seq + 1], true));
        const next = readPaging(paramsOf(meta.next_page_url as string));
        const previous = readPaging(paramsOf(meta.previous_page_url as string));
        return (
          next.query.afterSeq === seq + 1 && next.page === index + 2 && next.pageSize === size &&
          previous.query.beforeSeq === seq && previous.page === index
        );
      }),
    );
  });

  it('the 2010 envelope uses relative URIs and counts start and end', () => {
    const second = readPaging(paramsOf(v1Meta(BASE, '/x', 'x', {}, first, page([1, 2, 3], true)).next_page_url as string));
    const paging = v2010Paging('/2010-04-01/Accounts.json', { Status: 'active' }, second, page([4, 5], false));
    assert.equal(paging.start, 3);
    assert.equal(paging.end, 4);
    assert.equal(paging.next_page_uri, null);
    assert.match(paging.first_page_uri, /^\/2010-04-01\/Accounts\.json\?Status=active&PageSize=3&Page=0$/);
    assert.deepEqual(readPaging(paramsOf(paging.previous_page_uri as string)).query, { limit: 3, beforeSeq: 4 });
  });
});
