import { BUILT_IN_ROLES, type BuiltInRole } from '@user-engine/kernel';

export interface CustomRoleDefinition {
  key: string;
  name: string;
  description: string | null;
  permissions: readonly string[];
  inherits: readonly string[];
}

export interface ResolvedRole {
  key: string;
  name: string;
  description: string | null;
  built_in: boolean;
  /** Its own permissions. */
  permissions: readonly string[];
  inherits: readonly string[];
  /** Own and inherited, transitively. */
  effective: ReadonlySet<string>;
}

const BUILT_IN_NAMES: Record<BuiltInRole, string> = { viewer: 'Viewer', editor: 'Editor', admin: 'Admin', owner: 'Owner' };

export function isBuiltIn(key: string): key is BuiltInRole {
  return (BUILT_IN_ROLES as readonly string[]).includes(key);
}

/** The first inheritance cycle among `roles` (as a path ending where it started), or null. */
export function findCycle(roles: readonly Pick<CustomRoleDefinition, 'key' | 'inherits'>[]): string[] | null {
  const byKey = new Map(roles.map((r) => [r.key, r]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (key: string): string[] | null => {
    if (state.get(key) === 'done' || !byKey.has(key)) return null;
    if (state.get(key) === 'visiting') return [...stack.slice(stack.indexOf(key)), key];
    state.set(key, 'visiting');
    stack.push(key);
    for (const parent of byKey.get(key)!.inherits) {
      const cycle = visit(parent);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(key, 'done');
    return null;
  };
  for (const r of roles) {
    const cycle = visit(r.key);
    if (cycle) return cycle;
  }
  return null;
}

/**
 * Every role of a tenant with its effective permissions: the built-ins (each holding the catalog's
 * permissions at or below its rank, so `owner ⊇ admin ⊇ editor ⊇ viewer`) and the custom roles,
 * which add their own permissions to everything they inherit. Assumes no cycle (refused on write);
 * an unknown inherited key contributes nothing.
 */
export function resolveRoles(builtIn: (role: BuiltInRole) => string[], custom: readonly CustomRoleDefinition[]): Map<string, ResolvedRole> {
  const resolved = new Map<string, ResolvedRole>();
  for (const key of BUILT_IN_ROLES) {
    const permissions = builtIn(key);
    const inherits = BUILT_IN_ROLES.indexOf(key) > 0 ? [BUILT_IN_ROLES[BUILT_IN_ROLES.indexOf(key) - 1]] : [];
    resolved.set(key, {
      key,
      name: BUILT_IN_NAMES[key],
      description: null,
      built_in: true,
      permissions,
      inherits,
      effective: new Set(permissions),
    });
  }
  const byKey = new Map(custom.map((r) => [r.key, r]));
  const resolve = (key: string, seen: Set<string>): ReadonlySet<string> => {
    const done = resolved.get(key);
    if (done) return done.effective;
    const def = byKey.get(key);
    if (!def || seen.has(key)) return new Set();
    seen.add(key);
    const effective = new Set(def.permissions);
    for (const parent of def.inherits) for (const p of resolve(parent, seen)) effective.add(p);
    resolved.set(key, { ...def, built_in: false, effective });
    return effective;
  };
  for (const r of custom) resolve(r.key, new Set());
  return resolved;
}

/** The union of the effective permissions of `roleKeys` (unknown keys grant nothing). */
export function permissionsOf(roles: ReadonlyMap<string, ResolvedRole>, roleKeys: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const key of roleKeys) for (const p of roles.get(key)?.effective ?? []) out.add(p);
  return out;
}
