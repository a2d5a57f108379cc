import type { OpenAPIObject } from '@nestjs/swagger';

type Operation = {
  parameters?: { in: string }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses: Record<string, unknown>;
  security?: unknown[];
};
type Schema = { $ref?: string; properties?: Record<string, Schema>; items?: Schema; additionalProperties?: unknown; type?: string; allOf?: Schema[] };

const ERROR_SCHEMA = {
  type: 'object',
  required: ['statusCode', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], description: 'What was wrong, naming the field' },
  },
  additionalProperties: true,
};

/** The answers every route of a shape can give, besides its own success. */
const ANSWERS: Record<number, string> = {
  400: 'Bad input: a field missing, mistyped, out of range, empty or unknown (unknown fields are refused), named in `message`',
  401: 'Missing, unknown or revoked token',
  403: 'Your role may not do this',
  404: 'No such resource (also what a tenant admin gets for another tenant’s)',
  409: 'The request clashes with the stored state (a name taken, a resource in use, an operation holding the tenant), named in `message`',
  413: 'Request body larger than 32 MB',
  415: 'The body is not application/json',
  422: 'Well-formed but refused by a rule (e.g. role and tenantId go together), named in `message`',
  429: 'Too many failed authentications from this address; see Retry-After',
};

const MUTATIONS = new Set(['post', 'put', 'patch', 'delete']);

/** The status codes a route answers, by its shape: authenticated, with path/query parameters, with a body, changing state. */
export function answersOf(method: string, op: Operation): number[] {
  const codes = new Set<number>();
  if (op.security?.length) [401, 403, 429].forEach((c) => codes.add(c));
  const params = op.parameters ?? [];
  if (params.length || op.requestBody) codes.add(400);
  if (params.some((p) => p.in === 'path')) codes.add(404);
  if (op.requestBody) [413, 415].forEach((c) => codes.add(c));
  if (MUTATIONS.has(method)) [400, 409, 422].forEach((c) => codes.add(c));
  return [...codes].sort();
}

/** Request schemas refuse unknown fields: `additionalProperties: false` on each, and on the schemas they nest. */
function closeRequestSchemas(doc: OpenAPIObject): void {
  const schemas = (doc.components?.schemas ?? {}) as Record<string, Schema>;
  const seen = new Set<string>();
  const visit = (s: Schema | undefined): void => {
    if (!s) return;
    if (s.$ref) {
      const name = s.$ref.split('/').pop() ?? '';
      if (seen.has(name)) return;
      seen.add(name);
      const target = schemas[name];
      if (target && target.type !== 'string' && target.properties && target.additionalProperties === undefined) target.additionalProperties = false;
      visit(target);
      return;
    }
    s.allOf?.forEach(visit);
    visit(s.items);
    Object.values(s.properties ?? {}).forEach(visit);
  };
  for (const path of Object.values(doc.paths)) {
    for (const op of Object.values(path as Record<string, Operation>)) visit(op.requestBody?.content?.['application/json']?.schema);
  }
}

/**
 * Completes the generated OpenAPI document with what the API answers beyond each route's success: the
 * error answers by route shape (one error schema), and closed request schemas.
 */
export function documentAnswers(doc: OpenAPIObject): OpenAPIObject {
  doc.components = { ...doc.components, schemas: { ...doc.components?.schemas, ErrorBody: ERROR_SCHEMA as never } };
  for (const path of Object.values(doc.paths)) {
    for (const [method, op] of Object.entries(path as Record<string, Operation>)) {
      if (!op?.responses) continue;
      for (const code of answersOf(method, op)) {
        op.responses[code] ??= { description: ANSWERS[code], content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } } };
      }
    }
  }
  closeRequestSchemas(doc);
  return doc;
}
