import type { ResolvedRole } from '../../domain/roles';

export interface RoleView {
  key: string;
  name: string;
  description: string | null;
  built_in: boolean;
  /** Its own permissions. */
  permissions: string[];
  inherits: string[];
  /** Own and inherited. */
  effective_permissions: string[];
}

export function toRoleView(r: ResolvedRole): RoleView {
  return {
    key: r.key,
    name: r.name,
    description: r.description,
    built_in: r.built_in,
    permissions: [...r.permissions].sort(),
    inherits: [...r.inherits],
    effective_permissions: [...r.effective].sort(),
  };
}
