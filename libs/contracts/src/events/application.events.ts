import type { ProfileFieldV1 } from '../internal/internal-api';
import { defineEvent } from './envelope';

/** A permission of an application's catalog as published in v1 payloads. */
export interface CatalogPermissionV1 {
  key: string;
  description: string;
  default_role: 'viewer' | 'editor' | 'admin' | 'owner';
  deprecated: boolean;
}

/** A profile attribute of an application's catalog as published in v1 payloads. */
export interface CatalogAttributeV1 {
  key: string;
  type: 'string' | 'integer' | 'number' | 'boolean';
  scope: 'global' | 'tenant';
  description: string | null;
  constraints: Record<string, unknown>;
  default: string | number | boolean | null;
}

/**
 * `application.catalog_published` v1: an application published a new catalog version. `removed`
 * lists the permissions that are gone (no role held them); `deprecated` ones still work for the
 * roles that hold them but are offered to no new role.
 */
export interface ApplicationCatalogPublishedV1 {
  application_id: string;
  application_key: string;
  version: number;
  permissions: CatalogPermissionV1[];
  attributes: CatalogAttributeV1[];
  /** The standard profile fields the application reads in its projection (in profile order). */
  profile_fields: ProfileFieldV1[];
  added: string[];
  deprecated: string[];
  removed: string[];
  published_by: string;
  published_at: string;
}

export const ApplicationCatalogPublished = defineEvent<ApplicationCatalogPublishedV1>('application.catalog_published', 1);
