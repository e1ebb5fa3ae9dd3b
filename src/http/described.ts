import { Type, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifySchema } from 'fastify';

// Wisp's own surfaces (the admin API, and extensions under /wisp/v1) describe each route with
// TypeBox schemas: its summary, its request's parts and each answer. @fastify/swagger collects
// them into /openapi.json (api-docs.ts).
//
// The schemas describe; they do not act. Fastify would validate requests and serialize
// responses with them, but the handlers check their own input (with messages that name the
// field, as everywhere in Wisp), and a serializer built from a schema silently drops a key the
// schema forgot. So a scope that holds described routes calls `describeOnly`, and
// test/compat/own-api-schemas.test.ts checks real answers against the served document, whose
// objects are closed: a key the schema does not name fails there, not in production.

/** Makes the route schemas of this scope documentation only: no validation, JSON.stringify out. */
export function describeOnly(app: FastifyInstance): void {
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}

/** An object that names every key it may have. */
export const Closed = <P extends TProperties>(properties: P, description?: string): TObject<P> =>
  Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** One of these strings. */
export const Enum = <T extends string>(values: readonly T[], description?: string) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });

/** An ISO 8601 date-time in UTC, as Wisp writes them. */
export const DateTime = Type.String({ format: 'date-time' });

/** Twilio's error object, which the Twilio surfaces and the /wisp/v1 extensions answer with. */
export const TwilioError = Closed(
  {
    code: Type.Integer({ description: "The code of Twilio's error dictionary (docs/api.md)" }),
    message: Type.String(),
    more_info: Type.String(),
    status: Type.Integer(),
  },
  "Twilio's error object",
);

export interface RouteDescription {
  summary: string;
  description?: string;
  params?: TObject;
  querystring?: TObject;
  body?: TSchema;
  /** Each answer by HTTP status; `null` for one without a body (204). */
  responses: Record<number, TSchema | null>;
}

/** A route's `schema` option, as @fastify/swagger reads it. */
export function described({ summary, description, params, querystring, body, responses }: RouteDescription): FastifySchema {
  const response: Record<number, TSchema> = {};
  for (const [status, schema] of Object.entries(responses)) response[Number(status)] = schema ?? Type.Null({ description: 'No body' });
  return { summary, ...(description ? { description } : {}), ...(params ? { params } : {}), ...(querystring ? { querystring } : {}), ...(body ? { body } : {}), response };
}
