import { Injectable } from '@nestjs/common';

export type AttributeType = 'string' | 'integer' | 'number' | 'boolean';
export type AttributeValue = string | number | boolean;

export interface AttributeConstraints {
  min_length?: number;
  max_length?: number;
  pattern?: string;
  enum?: (string | number)[];
  minimum?: number;
  maximum?: number;
}

/** A profile attribute an application published in its catalog. */
export interface AttributeDefinition {
  key: string;
  type: AttributeType;
  /** `global`: one value per user; `tenant`: one value per user and tenant (in the tenant's layer). */
  scope: 'global' | 'tenant';
  description: string | null;
  constraints: AttributeConstraints;
  default: AttributeValue | null;
}

/** What one application's current catalog says about profiles. */
export interface ApplicationProfileSchema {
  applicationId: string;
  applicationKey: string;
  attributes: ReadonlyMap<string, AttributeDefinition>;
  /** The standard profile fields the application reads in its projection. */
  profileFields: readonly string[];
}

/** Longest string attribute value when the catalog sets no max_length. */
export const MAX_ATTRIBUTE_STRING = 10_000;

/**
 * Whether `value` is a valid value of the attribute: its type, then each constraint. Returns the
 * problem, or undefined. Profiles validate writes with it; publishing validates defaults with it.
 */
export function attributeValueProblem(a: Pick<AttributeDefinition, 'type' | 'constraints'>, value: unknown): string | undefined {
  const c = a.constraints;
  switch (a.type) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be a boolean';
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
      if (a.type === 'integer' && !Number.isSafeInteger(value)) return 'must be an integer';
      if (c.minimum !== undefined && value < c.minimum) return `must be at least ${c.minimum}`;
      if (c.maximum !== undefined && value > c.maximum) return `must be at most ${c.maximum}`;
      if (c.enum && !c.enum.includes(value)) return `must be one of ${c.enum.join(', ')}`;
      return undefined;
    case 'string': {
      if (typeof value !== 'string') return 'must be a string';
      const length = [...value].length;
      if (length > (c.max_length ?? MAX_ATTRIBUTE_STRING)) return `must be at most ${c.max_length ?? MAX_ATTRIBUTE_STRING} characters`;
      if (c.min_length !== undefined && length < c.min_length) return `must be at least ${c.min_length} characters`;
      if (c.enum && !c.enum.includes(value)) return `must be one of ${c.enum.join(', ')}`;
      if (c.pattern !== undefined && !new RegExp(c.pattern, 'u').test(value)) return `must match ${c.pattern}`;
      return undefined;
    }
  }
}

/**
 * The profile side of the applications' published catalogs, held in memory by every process: the
 * access module (which owns catalogs) replaces an application's entry whenever its catalog is
 * (re)loaded; the profile module reads it to validate attribute writes and to build projections,
 * without a database round trip per request.
 */
@Injectable()
export class AttributeCatalog {
  private readonly byKey = new Map<string, ApplicationProfileSchema>();
  private revision = 0;

  /** Replaces (or with `undefined`, drops) what `applicationKey`'s catalog contributes. */
  replaceApplication(
    applicationKey: string,
    schema: { applicationId: string; attributes: readonly AttributeDefinition[]; profileFields: readonly string[] } | undefined,
  ): void {
    this.revision++;
    if (!schema) {
      this.byKey.delete(applicationKey);
      return;
    }
    this.byKey.set(applicationKey, {
      applicationId: schema.applicationId,
      applicationKey,
      attributes: new Map(schema.attributes.map((a) => [a.key, a])),
      profileFields: [...schema.profileFields],
    });
  }

  application(applicationKey: string): ApplicationProfileSchema | undefined {
    return this.byKey.get(applicationKey);
  }

  applications(): IterableIterator<ApplicationProfileSchema> {
    return this.byKey.values();
  }

  attribute(applicationKey: string, attributeKey: string): AttributeDefinition | undefined {
    return this.byKey.get(applicationKey)?.attributes.get(attributeKey);
  }

  /** Changes with every replacement: a cache of derived views can compare it. */
  get version(): number {
    return this.revision;
  }
}
