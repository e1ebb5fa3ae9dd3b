import { DomainError } from '../domain/errors.js';
import type { Page, PageQuery } from '../domain/models.js';
import { type Params, int, str } from './params.js';

// Twilio paging: PageSize (1..1000, default 50), Page (a client-side counter) and an opaque
// PageToken that marks a keyset position, so a deep page costs what the first one does.

export interface PageRequest {
  pageSize: number;
  page: number;
  token: string | undefined;
  query: PageQuery;
}

function encodeToken(direction: 'a' | 'b', seq: number): string {
  return 'PT' + Buffer.from(`${direction}${seq}`).toString('base64url');
}

function decodeToken(token: string): Pick<PageQuery, 'afterSeq' | 'beforeSeq'> {
  const raw = token.startsWith('PT') ? Buffer.from(token.slice(2), 'base64url').toString() : '';
  const match = /^([ab])(\d{1,16})$/.exec(raw);
  const seq = match ? Number(match[2]) : NaN;
  // Any sequence number the store can hold must come back out of the token it was put in.
  if (!match || !Number.isSafeInteger(seq)) {
    throw badPaging(`PageToken "${token}" is not valid; use the next_page_url of a previous response`);
  }
  return match[1] === 'a' ? { afterSeq: seq } : { beforeSeq: seq };
}

/** Twilio's largest page (dictionary page 20007, "Page size too large"). */
export const MAX_PAGE_SIZE = 1000;

/** 33103, "Paging information invalid", on Wireless resources; a bad value elsewhere. */
const badPaging = (message: string) => new DomainError('invalid_paging', message);

/** Reads a paging parameter; any fault in it is a paging fault. */
function pagingParam<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof DomainError && error.code === 'invalid_parameter') throw badPaging(error.message);
    throw error;
  }
}

export function readPaging(params: Params): PageRequest {
  const pageSize = pagingParam(() => int(params, 'PageSize', { min: -Infinity, max: Infinity })) ?? 50;
  if (pageSize < 1) throw badPaging(`PageSize must be at least 1; got ${pageSize}`);
  if (pageSize > MAX_PAGE_SIZE) {
    throw new DomainError('page_size_too_large', `Page size too large: PageSize must be at most ${MAX_PAGE_SIZE}; got ${pageSize}`);
  }
  const page = pagingParam(() => int(params, 'Page', { min: 0, max: Number.MAX_SAFE_INTEGER })) ?? 0;
  const token = pagingParam(() => str(params, 'PageToken', { max: 64 }));
  if (page > 0 && token === undefined) {
    throw badPaging('Page beyond 0 needs the PageToken from the previous response; follow next_page_url');
  }
  return { pageSize, page, token, query: { limit: pageSize, ...(token ? decodeToken(token) : {}) } };
}

interface Links {
  url: string;
  first: string;
  next: string | null;
  previous: string | null;
}

/** Builds the page's own, first, next and previous links, keeping the filters in each. */
function links(path: string, filters: Record<string, string | undefined>, req: PageRequest, page: Page<unknown>): Links {
  const make = (pageIndex: number, token?: string) => {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(filters)) if (v !== undefined) qs.append(k, v);
    qs.append('PageSize', String(req.pageSize));
    qs.append('Page', String(pageIndex));
    if (token) qs.append('PageToken', token);
    return `${path}?${qs.toString()}`;
  };
  const first = page.items[0];
  const last = page.items[page.items.length - 1];
  // Walking backwards, there is always a page after this one: the one we came from.
  const hasNext = req.query.beforeSeq !== undefined ? last !== undefined : page.hasMore;
  const hasPrevious = req.page > 0 && first !== undefined;
  return {
    url: make(req.page, req.token),
    first: make(0),
    next: hasNext && last ? make(req.page + 1, encodeToken('a', last.seq)) : null,
    previous: hasPrevious ? make(req.page - 1, encodeToken('b', first.seq)) : null,
  };
}

/** The `meta` envelope of a v1 list. */
export function v1Meta(base: string, path: string, key: string, filters: Record<string, string | undefined>, req: PageRequest, page: Page<unknown>) {
  const l = links(path, filters, req, page);
  return {
    first_page_url: base + l.first,
    key,
    next_page_url: l.next && base + l.next,
    page: req.page,
    page_size: req.pageSize,
    previous_page_url: l.previous && base + l.previous,
    url: base + l.url,
  };
}

/** The paging fields of a 2010 API list, whose links are relative URIs. */
export function v2010Paging(path: string, filters: Record<string, string | undefined>, req: PageRequest, page: Page<unknown>) {
  const l = links(path, filters, req, page);
  const start = req.page * req.pageSize;
  return {
    end: start + Math.max(page.items.length - 1, 0),
    first_page_uri: l.first,
    next_page_uri: l.next,
    page: req.page,
    page_size: req.pageSize,
    previous_page_uri: l.previous,
    start,
    uri: l.url,
  };
}
