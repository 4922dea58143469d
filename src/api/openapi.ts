/**
 * The OpenAPI 3.1 document, generated from the routes themselves: an onRoute hook records every
 * route that has a schema with a summary, and `document()` turns their params, querystring,
 * headers, body and responses into paths. Shared schemas become components; a route's access
 * level becomes its security requirement.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { Access } from './auth.js';

type Schema = Record<string, unknown>;

interface RecordedRoute {
  method: string;
  url: string;
  schema: Schema;
  access: Access;
}

export interface OpenApiInfo {
  title: string;
  version: string;
  description: string;
}

/** Turns fastify's `$ref: 'Name#'` into OpenAPI's `#/components/schemas/Name`, deeply. */
function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (!value || typeof value !== 'object') return value;
  const out: Schema = {};
  for (const [k, v] of Object.entries(value as Schema)) {
    if (k === '$id') continue;
    out[k] = k === '$ref' && typeof v === 'string' && v.endsWith('#') ? `#/components/schemas/${v.slice(0, -1)}` : rewriteRefs(v);
  }
  return out;
}

function parameters(schema: Schema | undefined, where: 'path' | 'query' | 'header'): Schema[] {
  const properties = (schema?.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema?.required ?? []) as string[]);
  return Object.entries(properties).map(([name, s]) => {
    const { description, ...rest } = s;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(description ? { description } : {}),
      schema: rewriteRefs(rest),
    };
  });
}

const STATUS_TEXT: Record<string, string> = {
  200: 'OK', 202: 'Accepted', 206: 'Partial content', 400: 'Invalid request or link', 401: 'API key missing or wrong',
  403: 'Forbidden (admin route, or private / login / age / geo restricted content)', 404: 'Not found', 409: 'Conflict with the job state',
  410: 'The result expired', 413: 'Too large', 416: 'Range not satisfiable', 422: 'Link not supported', 429: 'Rate limited (see Retry-After)',
  500: 'Internal error', 502: 'The platform failed', 503: 'Unavailable (see Retry-After)',
};

function responses(schema: Schema): Schema {
  const out: Schema = {};
  for (const [status, response] of Object.entries((schema.response ?? {}) as Record<string, Schema>)) {
    const description = (response.description as string | undefined) ?? STATUS_TEXT[status] ?? 'Response';
    if (response.content) {
      out[status] = { description, content: rewriteRefs(response.content) };
    } else {
      const { description: _omit, ...body } = response;
      out[status] = { description, content: { 'application/json': { schema: rewriteRefs(body) } } };
    }
  }
  return out;
}

/** Records routes as they are added; call before registering them. */
export class OpenApiCollector {
  private readonly routes: RecordedRoute[] = [];

  constructor(app: FastifyInstance) {
    app.addHook('onRoute', (route: RouteOptions) => {
      const schema = route.schema as Schema | undefined;
      if (!schema?.summary) return;
      for (const method of [route.method].flat()) {
        if (method === 'HEAD') continue;
        this.routes.push({ method: method.toLowerCase(), url: route.url, schema, access: route.config?.access ?? 'key' });
      }
    });
  }

  /** The document for everything recorded so far plus `extraPaths` (routes without fastify schemas, like /graphql). */
  document(info: OpenApiInfo, sharedSchemas: readonly Schema[], extraPaths: Record<string, Schema> = {}): Schema {
    const paths: Record<string, Record<string, Schema>> = {};
    for (const route of this.routes) {
      const path = route.url.replace(/:(\w+)/g, '{$1}');
      const { schema } = route;
      const operation: Schema = {
        summary: schema.summary,
        ...(schema.description ? { description: schema.description } : {}),
        tags: schema.tags ?? [],
        operationId: `${route.method}${path.replace(/^\/api\/v1/, '').replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
        parameters: [
          ...parameters(schema.params as Schema | undefined, 'path'),
          ...parameters(schema.querystring as Schema | undefined, 'query'),
          ...parameters(schema.headers as Schema | undefined, 'header'),
        ],
        ...(schema.body ? { requestBody: { required: true, content: { 'application/json': { schema: rewriteRefs(schema.body) } } } } : {}),
        responses: responses(schema),
        security: route.access === 'key' || route.access === 'admin' ? [{ bearer: [] }] : [],
      };
      (paths[path] ??= {})[route.method] = operation;
    }
    return {
      openapi: '3.1.0',
      info,
      servers: [{ url: '/' }],
      paths: { ...paths, ...extraPaths },
      components: {
        schemas: Object.fromEntries(sharedSchemas.map((s) => [s.$id as string, rewriteRefs(s)])),
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'One of API_KEYS. Needed only when API_KEYS is set; DLQ routes need the first key.' },
        },
      },
    };
  }
}
