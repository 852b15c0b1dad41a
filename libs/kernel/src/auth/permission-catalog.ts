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
  /** The module that declared it, or `application:<key>` for an application's published catalog. */
  readonly source: string;
  /** The application whose catalog publishes it (null for the modules' own). */
  readonly application?: string;
  /** Kept for the roles that hold it, but no longer offered to new ones. */
  readonly deprecated?: boolean;
}

/** What an API key may be allowed to call on the internal API (`users:read`, `authz:check`, …). */
export interface ServiceScopeDefinition {
  readonly key: string;
  readonly description: string;
  /** Too powerful for a key bound to one tenant (it reaches users beyond that tenant). */
  readonly platformOnly?: boolean;
}

export const PERMISSION_KEY = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*:[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/;

/**
 * Every permission the running application knows, declared in code by the modules that enforce
 * them (each registers its list when it starts). A module that is not mounted contributes none.
 */
@Injectable()
export class PermissionCatalog {
  private entries = new Map<string, CatalogEntry>();
  private sorted?: CatalogEntry[];
  private readonly builtIn = new Map<BuiltInRole, string[]>();
  private readonly serviceScopes = new Map<string, ServiceScopeDefinition & { source: string }>();

  register(source: string, definitions: readonly PermissionDefinition[]): void {
    this.changed();
    for (const d of definitions) {
      if (!PERMISSION_KEY.test(d.key)) throw new Error(`Permission "${d.key}" of ${source} is not resource:action`);
      if (this.entries.has(d.key))
        throw new Error(`Permission "${d.key}" is declared twice (${this.entries.get(d.key)!.source}, ${source})`);
      if (d.scope === 'tenant' && !d.minRole) throw new Error(`Tenant permission "${d.key}" needs the lowest built-in role holding it`);
      this.entries.set(d.key, { ...d, source });
    }
  }

  /**
   * Replaces everything an application's published catalog contributes (its tenant permissions);
   * entries that would shadow a module's own permission are skipped and returned.
   */
  replaceApplication(application: string, definitions: readonly (PermissionDefinition & { deprecated?: boolean })[]): string[] {
    const source = `application:${application}`;
    const next = new Map([...this.entries].filter(([, e]) => e.source !== source));
    const skipped: string[] = [];
    for (const d of definitions) {
      if (next.has(d.key) || !PERMISSION_KEY.test(d.key) || d.scope !== 'tenant' || !d.minRole) skipped.push(d.key);
      else next.set(d.key, { ...d, source, application });
    }
    this.entries = next;
    this.changed();
    return skipped;
  }

  /** The namespaces (`members` of `members:read`) the modules' own permissions use: no application may publish in them. */
  moduleNamespaces(): Set<string> {
    return new Set([...this.entries.values()].filter((e) => !e.application).map((e) => e.key.split(':')[0]));
  }

  registerServiceScopes(source: string, definitions: readonly ServiceScopeDefinition[]): void {
    for (const d of definitions) {
      if (!PERMISSION_KEY.test(d.key)) throw new Error(`Service scope "${d.key}" of ${source} is not resource:action`);
      if (this.serviceScopes.has(d.key)) throw new Error(`Service scope "${d.key}" is declared twice`);
      this.serviceScopes.set(d.key, { ...d, source });
    }
  }

  serviceScope(key: string): (ServiceScopeDefinition & { source: string }) | undefined {
    return this.serviceScopes.get(key);
  }

  listServiceScopes(): (ServiceScopeDefinition & { source: string })[] {
    return [...this.serviceScopes.values()].sort((a, b) => a.key.localeCompare(b.key));
  }

  get(key: string): CatalogEntry | undefined {
    return this.entries.get(key);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  list(): CatalogEntry[] {
    this.sorted ??= [...this.entries.values()].sort((a, b) => a.key.localeCompare(b.key));
    return this.sorted;
  }

  /** Tenant permissions the built-in `role` holds (its own and every lower role's). */
  builtInPermissions(role: BuiltInRole): string[] {
    let held = this.builtIn.get(role);
    if (!held) {
      const rank = BUILT_IN_ROLES.indexOf(role);
      held = this.list()
        .filter((e) => e.scope === 'tenant' && BUILT_IN_ROLES.indexOf(e.minRole!) <= rank)
        .map((e) => e.key);
      this.builtIn.set(role, held);
    }
    return held;
  }

  private changed(): void {
    this.sorted = undefined;
    this.builtIn.clear();
  }
}
