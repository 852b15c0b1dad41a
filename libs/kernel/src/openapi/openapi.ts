import type { INestApplication } from '@nestjs/common';
import { applyDecorators } from '@nestjs/common';
import { ApiResponse, DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export interface OpenApiInfo {
  title: string;
  version: string;
  description: string;
}

const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', example: 'urn:user-engine:problem:kernel.validation_failed' },
    title: { type: 'string', example: 'Bad Request' },
    status: { type: 'integer', example: 400 },
    detail: { type: 'string' },
    code: { type: 'string', example: 'KERNEL.VALIDATION_FAILED' },
    instance: { type: 'string' },
    request_id: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: { path: { type: 'string' }, message: { type: 'string' }, rule: { type: 'string' } },
      },
    },
  },
} as const;

/** The two surfaces' documents: the public API (PORT) and the internal API (INTERNAL_PORT, API keys). */
export interface OpenApiDocuments {
  public: OpenAPIObject;
  internal: OpenAPIObject;
}

/** The security scheme of internal routes (`@ApiBearerAuth(INTERNAL_SECURITY)`). */
export const INTERNAL_SECURITY = 'api_key';
const SHARED_PATHS = ['/health/live', '/health/ready', '/metrics'];

/**
 * The OpenAPI documents, generated from the controllers and split by surface: internal routes
 * (`/internal/…`) in one, the rest in the other, health and metrics in both; each keeps only the
 * schemas and security scheme it uses. Keys are sorted so the files diff cleanly.
 */
export function buildOpenApiDocuments(app: INestApplication, info: OpenApiInfo): OpenApiDocuments {
  const config = new DocumentBuilder()
    .setTitle(info.title)
    .setDescription(info.description)
    .setVersion(info.version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'API key (ue_<env>_…)' }, INTERNAL_SECURITY)
    .build();
  const doc = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
  });
  doc.components = { ...(doc.components ?? {}), schemas: { ...(doc.components?.schemas ?? {}), Problem: PROBLEM_SCHEMA as never } };
  const surface = (internal: boolean, title: string, description: string, scheme: string): OpenAPIObject => {
    const paths = Object.fromEntries(
      Object.entries(doc.paths).filter(([path]) => SHARED_PATHS.includes(path) || path.startsWith('/internal/') === internal),
    );
    const part: OpenAPIObject = {
      ...doc,
      info: { ...doc.info, title, description },
      paths,
      components: { ...doc.components, securitySchemes: { [scheme]: doc.components!.securitySchemes![scheme] } },
    };
    part.components!.schemas = usedSchemas(part) as NonNullable<OpenAPIObject['components']>['schemas'];
    return sortKeys(part) as OpenAPIObject;
  };
  return {
    public: surface(false, info.title, info.description, 'bearer'),
    internal: surface(
      true,
      `${info.title} internal API`,
      'For sibling services, on INTERNAL_PORT under /internal/v1: API keys only (Authorization: Bearer ue_…), never user tokens.',
      INTERNAL_SECURITY,
    ),
  };
}

/** The component schemas a document references, directly or through other schemas. */
function usedSchemas(doc: OpenAPIObject): Record<string, unknown> {
  const all = (doc.components?.schemas ?? {}) as Record<string, unknown>;
  const used = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) {
          const name = v.slice('#/components/schemas/'.length);
          if (!used.has(name)) {
            used.add(name);
            visit(all[name]);
          }
        } else visit(v);
      }
    }
  };
  visit(doc.paths);
  return Object.fromEntries(Object.entries(all).filter(([name]) => used.has(name)));
}

/** Public document at /docs and /openapi.json; internal at /internal/docs and /internal/openapi.json (internal port only). */
export function setupOpenApi(app: INestApplication, documents: OpenApiDocuments): void {
  SwaggerModule.setup('docs', app, documents.public, { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
  SwaggerModule.setup('internal/docs', app, documents.internal, {
    jsonDocumentUrl: 'internal/openapi.json',
    yamlDocumentUrl: 'internal/openapi.yaml',
  });
}

export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * Documents a route's problem responses: `@ApiProblems([401, 'AUTH.INVALID_CREDENTIALS'], [429, 'AUTH.TOO_MANY_ATTEMPTS'])`.
 * Every route also answers 400 KERNEL.VALIDATION_FAILED for malformed input (listed where it has a body).
 */
export function ApiProblems(...problems: [status: number, ...codes: string[]][]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, string[]>();
  for (const [status, ...codes] of problems) byStatus.set(status, [...(byStatus.get(status) ?? []), ...codes]);
  return applyDecorators(
    ...[...byStatus].map(([status, codes]) =>
      ApiResponse({
        status,
        description: codes.join(', '),
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      }),
    ),
  );
}

/** Problems every internal route may answer: its API key's own (the access module authenticates keys). */
export const INTERNAL_KEY_PROBLEMS: [number, ...string[]][] = [
  [401, 'AUTH.API_KEY_REQUIRED', 'AUTH.API_KEY_INVALID', 'AUTH.API_KEY_REVOKED', 'AUTH.API_KEY_EXPIRED'],
  [403, 'AUTH.APPLICATION_DISABLED', 'AUTHZ.API_KEY_SCOPE', 'AUTHZ.API_KEY_TENANT'],
  [429, 'AUTH.API_KEY_THROTTLED'],
];

/** What a route answers when its bearer token is missing or unusable. */
export const TOKEN_PROBLEMS: [number, ...string[]] = [
  401,
  'AUTH.UNAUTHENTICATED',
  'AUTH.TOKEN_INVALID',
  'AUTH.TOKEN_EXPIRED',
  'AUTH.TOKEN_REVOKED',
];
/** What a route with a body or query answers to bad input. */
export const INVALID_REQUEST: [number, ...string[]] = [400, 'KERNEL.VALIDATION_FAILED', 'KERNEL.MALFORMED_JSON'];
/** What the authorization of a tenant route answers. */
export const TENANT_ACCESS_PROBLEMS: [number, ...string[]][] = [
  [403, 'AUTHZ.FORBIDDEN', 'AUTHZ.TENANT_MISMATCH', 'AUTH.STEP_UP_REQUIRED', 'TENANCY.TENANT_SUSPENDED'],
  [404, 'TENANCY.NOT_FOUND'],
];
