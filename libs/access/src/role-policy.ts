import { Injectable } from '@nestjs/common';
import type { Principal } from '@user-engine/kernel';
import { OWNER_ROLE, type RoleSummary, TenantRolePolicy } from '@user-engine/tenancy';
import { AccessErrors } from './access.errors';
import { AccessFacade } from './access-facade';
import { AuthorizationFacts } from './authorization-facts';
import { permissionsOf } from './domain/roles';

/**
 * The grant rules, for tenancy's role bindings (invitations, role changes): roles must exist, an
 * actor grants only permissions they hold, changes only members whose permissions they hold, and
 * only owners give or take `owner`. Platform operators are bound by existence only.
 */
@Injectable()
export class AccessRolePolicy extends TenantRolePolicy {
  constructor(
    private readonly facts: AuthorizationFacts,
    private readonly facade: AccessFacade,
  ) {
    super();
  }

  async assertAssignable(input: {
    tenantId: string;
    actor: Principal;
    roles: readonly string[];
    targetRoles?: readonly string[];
  }): Promise<void> {
    const tenant = await this.facts.tenant(input.tenantId);
    const unknown = input.roles.filter((r) => !tenant.roles.has(r));
    if (unknown.length) throw AccessErrors.unknownRole(unknown);
    if (await this.facade.isPlatformOperator(input.actor.userId)) return;
    const actor = await this.facts.member(input.tenantId, input.actor.userId);
    const actorIsOwner = actor.status === 'active' && actor.roles.includes(OWNER_ROLE);
    const touchesOwner = input.roles.includes(OWNER_ROLE) || (input.targetRoles ?? []).includes(OWNER_ROLE);
    if (touchesOwner && !actorIsOwner) throw AccessErrors.ownerOnly();
    const held = actor.status === 'active' ? permissionsOf(tenant.roles, actor.roles) : new Set<string>();
    const beyond = [...permissionsOf(tenant.roles, input.roles)].filter((p) => !held.has(p));
    if (beyond.length) throw AccessErrors.grantExceeds(beyond.sort());
    if (input.targetRoles && [...permissionsOf(tenant.roles, input.targetRoles)].some((p) => !held.has(p)))
      throw AccessErrors.targetExceeds();
  }

  /** Refuses unless `actor` holds every one of `permissions` in the tenant (operators hold all). */
  async assertHolds(tenantId: string, actor: Principal, permissions: Iterable<string>): Promise<void> {
    if (await this.facade.isPlatformOperator(actor.userId)) return;
    const tenant = await this.facts.tenant(tenantId);
    const member = await this.facts.member(tenantId, actor.userId);
    const held = member.status === 'active' ? permissionsOf(tenant.roles, member.roles) : new Set<string>();
    const beyond = [...permissions].filter((p) => !held.has(p));
    if (beyond.length) throw AccessErrors.grantExceeds(beyond.sort());
  }

  async listRoles(tenantId: string): Promise<RoleSummary[]> {
    const tenant = await this.facts.tenant(tenantId);
    return [...tenant.roles.values()].map((r) => ({
      key: r.key,
      name: r.name,
      built_in: r.built_in,
      permissions: [...r.effective].sort(),
    }));
  }
}
