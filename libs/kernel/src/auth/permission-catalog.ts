import { Injectable } from '@nestjs/common';

/** The built-in tenant roles, lowest first: each holds everything the ones before it hold. */
export const BUILT_IN_ROLES = ['viewer', 'editor', 'admin', 'owner'] as const;
export type BuiltInRole = (typeof BUILT_IN_ROLES)[number];

export interface PermissionDefinition {
  /** `resource:action`, e.g. `members:invite`. */
  readonly key: string;
  readonly description: string;
  /**
   * `tenant`: granted through tenant roles; `platform`: held by platform operators only, never
   * grantable in a tenant.
   */
  readonly scope: 'tenant' | 'platform';
  /** For tenant permissions: the lowest built-in role that holds it (higher ones inherit it). */
  readonly minRole?: BuiltInRole;
  /** Assurance level a token must carry to use it (`aal2` after MFA). */
  readonly acr?: 'aal1' | 'aal2';
}

export interface CatalogEntry extends PermissionDefinition {
  /** The module (or, later, the application) that declared it. */
  readonly source: string;
}

export const PERMISSION_KEY = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*:[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/;

/**
 * Every permission the running application knows, declared in code by the modules that enforce
 * them (each registers its list when it starts). A module that is not mounted contributes none.
 */
@Injectable()
export class PermissionCatalog {
  private readonly entries = new Map<string, CatalogEntry>();

  register(source: string, definitions: readonly PermissionDefinition[]): void {
    for (const d of definitions) {
      if (!PERMISSION_KEY.test(d.key)) throw new Error(`Permission "${d.key}" of ${source} is not resource:action`);
      if (this.entries.has(d.key))
        throw new Error(`Permission "${d.key}" is declared twice (${this.entries.get(d.key)!.source}, ${source})`);
      if (d.scope === 'tenant' && !d.minRole) throw new Error(`Tenant permission "${d.key}" needs the lowest built-in role holding it`);
      this.entries.set(d.key, { ...d, source });
    }
  }

  get(key: string): CatalogEntry | undefined {
    return this.entries.get(key);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  list(): CatalogEntry[] {
    return [...this.entries.values()].sort((a, b) => a.key.localeCompare(b.key));
  }

  /** Tenant permissions the built-in `role` holds (its own and every lower role's). */
  builtInPermissions(role: BuiltInRole): string[] {
    const rank = BUILT_IN_ROLES.indexOf(role);
    return this.list()
      .filter((e) => e.scope === 'tenant' && BUILT_IN_ROLES.indexOf(e.minRole!) <= rank)
      .map((e) => e.key);
  }
}
