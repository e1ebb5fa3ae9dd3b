// Response schemas: Fastify compiles each into a serializer (fast-json-stringify) that writes
// the JSON several times faster than JSON.stringify. A schema only shapes the output, so it
// must name every key its serializer (serializers.ts) returns, in the same order, nullable
// where the value may be null; test/unit/schemas.test.ts checks they agree byte for byte.

const string = { type: 'string' } as const;
const nullableString = { type: ['string', 'null'] } as const;
const integer = { type: 'integer' } as const;

/** The Sim resource, as `simJson` writes it. */
export const simSchema = {
  type: 'object',
  properties: {
    sid: string,
    unique_name: nullableString,
    account_sid: string,
    rate_plan_sid: nullableString,
    friendly_name: nullableString,
    iccid: nullableString,
    e_id: nullableString,
    status: string,
    reset_status: nullableString,
    commands_callback_url: nullableString,
    commands_callback_method: nullableString,
    sms_fallback_method: nullableString,
    sms_fallback_url: nullableString,
    sms_method: nullableString,
    sms_url: nullableString,
    voice_fallback_method: nullableString,
    voice_fallback_url: nullableString,
    voice_method: nullableString,
    voice_url: nullableString,
    date_created: string,
    date_updated: string,
    url: string,
    links: {
      type: 'object',
      properties: {
        data_sessions: string,
        rate_plan: nullableString,
        usage_records: string,
      },
    },
    ip_address: nullableString,
  },
} as const;

/** The `meta` envelope of a v1 list, as `v1Meta` writes it. */
export const v1MetaSchema = {
  type: 'object',
  properties: {
    first_page_url: string,
    key: string,
    next_page_url: nullableString,
    page: integer,
    page_size: integer,
    previous_page_url: nullableString,
    url: string,
  },
} as const;

/** A page of Sims. */
export const simPageSchema = {
  type: 'object',
  properties: {
    sims: { type: 'array', items: simSchema },
    meta: v1MetaSchema,
  },
} as const;
