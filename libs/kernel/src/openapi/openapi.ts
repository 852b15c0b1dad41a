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

/** The OpenAPI document, generated from the controllers; keys are sorted so the file diffs cleanly. */
export function buildOpenApiDocument(app: INestApplication, info: OpenApiInfo): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle(info.title)
    .setDescription(info.description)
    .setVersion(info.version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  const doc = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
  });
  doc.components = { ...(doc.components ?? {}), schemas: { ...(doc.components?.schemas ?? {}), Problem: PROBLEM_SCHEMA as never } };
  return sortKeys(doc) as OpenAPIObject;
}

export function setupOpenApi(app: INestApplication, document: OpenAPIObject): void {
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
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
