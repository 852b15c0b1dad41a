import { Injectable } from '@nestjs/common';
import { AuditLog, ChangeFeed, type ClientInfo, PermissionCatalog, type Principal } from '@user-engine/kernel';
import { AccessErrors } from '../access.errors';
import { ROLE_CHANGES } from '../authorization-facts';
import { type CustomRoleDefinition, findCycle, isBuiltIn, resolveRoles, type ResolvedRole } from '../domain/roles';
import { CatalogsRepository } from '../persistence/catalogs.repository';
import { AccessRolePolicy } from '../role-policy';

/**
 * The rules every write to a custom role obeys (create and update): known tenant permissions, known
 * parents, no inheritance cycle, and nothing the author does not hold — a role is a grant in waiting.
 */
@Injectable()
export class RoleDefinitions {
  constructor(
    private readonly catalog: PermissionCatalog,
    private readonly policy: AccessRolePolicy,
    private readonly audit: AuditLog,
    private readonly changes: ChangeFeed,
    private readonly catalogs: CatalogsRepository,
  ) {}

  /**
   * Validates `role` (replacing `previous`, when updated) among the tenant's other custom roles;
   * returns it resolved. Permissions of applications' catalogs are read from the database under the
   * catalog lock (shared until this transaction ends): a concurrent publish cannot remove them
   * between this check and the commit. Deprecated ones stay only where the role already had them.
   */
  async validate(
    tenantId: string,
    actor: Principal,
    role: CustomRoleDefinition,
    others: readonly CustomRoleDefinition[],
    previous?: CustomRoleDefinition,
  ): Promise<ResolvedRole> {
    const own = (p: string) => {
      const e = this.catalog.get(p);
      return e && !e.application ? e : undefined;
    };
    const fromApplications = role.permissions.filter((p) => !own(p));
    const published = await this.catalogs.holdPermissions(fromApplications);
    const unknownPermissions = role.permissions.filter((p) => (own(p) ? own(p)!.scope !== 'tenant' : !published.has(p)));
    if (unknownPermissions.length) throw AccessErrors.unknownPermission(unknownPermissions);
    const deprecated = fromApplications.filter((p) => published.get(p)!.deprecated && !previous?.permissions.includes(p));
    if (deprecated.length) throw AccessErrors.deprecatedPermission(deprecated);
    // The role itself is a known parent: inheriting from itself is reported as the cycle it is.
    const known = new Set([...others.map((r) => r.key), role.key]);
    const unknownParents = role.inherits.filter((k) => !isBuiltIn(k) && !known.has(k));
    if (unknownParents.length) throw AccessErrors.unknownRole(unknownParents, 'inherits');
    const all = [...others, role];
    const cycle = findCycle(all);
    if (cycle) throw AccessErrors.roleCycle(cycle);
    const resolved = resolveRoles((r) => this.catalog.builtInPermissions(r), all).get(role.key)!;
    await this.policy.assertHolds(tenantId, actor, resolved.effective);
    return resolved;
  }

  /** Audits the change and drops cached decisions of the tenant (here at commit, elsewhere on NOTIFY). */
  async changed(
    tenantId: string,
    action: string,
    key: string,
    actor: Principal,
    client: ClientInfo,
    data: Record<string, unknown>,
  ): Promise<void> {
    await this.audit.append({
      tenantId,
      actor: { type: 'user', id: actor.userId },
      action,
      outcome: 'success',
      resource: { type: 'role', id: key },
      ip: client.ip,
      userAgent: client.userAgent,
      data,
    });
    await this.changes.changed(ROLE_CHANGES, tenantId);
  }
}
