import { Injectable } from '@nestjs/common';
import { AuditLog, type DomainError, type Principal, UnitOfWork } from '@user-engine/kernel';
import { RolesRepository } from './persistence/roles.repository';
import { type AssignmentInput, OWNER_ROLE, type RoleSummary, TenantRolePolicy } from '@user-engine/tenancy';
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
    private readonly audit: AuditLog,
    private readonly roles: RolesRepository,
    private readonly uow: UnitOfWork,
  ) {
    super();
  }

  /** Records a refused grant in the tenant's trail (in its own transaction: the command rolls back), then refuses. */
  private async refuse(
    tenantId: string,
    actor: Pick<Principal, 'userId'>,
    error: DomainError,
    data: Record<string, unknown>,
  ): Promise<never> {
    await this.audit.append(
      {
        tenantId,
        actor: { type: 'user', id: actor.userId },
        action: 'authz.denied',
        outcome: 'denied',
        data: { ...data, reason: (error.extensions?.reason as string | undefined) ?? error.code },
      },
      { separate: true },
    );
    throw error;
  }

  async assertAssignable(input: AssignmentInput): Promise<void> {
    const refusal = await this.refusalOf(input);
    if (refusal) await this.refuse(input.tenantId, input.actor, refusal, { roles: input.roles, target_roles: input.targetRoles });
  }

  async canAssign(input: AssignmentInput): Promise<boolean> {
    return (await this.refusalOf(input)) === undefined;
  }

  private async refusalOf(input: AssignmentInput): Promise<DomainError | undefined> {
    // Inside the assigning transaction: the role set stays as validated until it commits.
    if (this.uow.active) await this.roles.lock(input.tenantId);
    const tenant = await this.facts.tenant(input.tenantId);
    const unknown = input.roles.filter((r) => !tenant.roles.has(r));
    if (unknown.length) throw AccessErrors.unknownRole(unknown);
    if (await this.facade.isPlatformOperator(input.actor.userId)) return undefined;
    const actor = await this.facts.member(input.tenantId, input.actor.userId);
    const actorIsOwner = actor.status === 'active' && actor.roles.includes(OWNER_ROLE);
    const touchesOwner = input.roles.includes(OWNER_ROLE) || (input.targetRoles ?? []).includes(OWNER_ROLE);
    if (touchesOwner && !actorIsOwner) return AccessErrors.ownerOnly();
    const held = actor.status === 'active' ? permissionsOf(tenant.roles, actor.roles) : new Set<string>();
    const beyond = [...permissionsOf(tenant.roles, input.roles)].filter((p) => !held.has(p));
    if (beyond.length) return AccessErrors.grantExceeds(beyond.sort());
    if (input.targetRoles && [...permissionsOf(tenant.roles, input.targetRoles)].some((p) => !held.has(p)))
      return AccessErrors.targetExceeds();
    return undefined;
  }

  /** Refuses unless `actor` holds every one of `permissions` in the tenant (operators hold all). */
  async assertHolds(tenantId: string, actor: Pick<Principal, 'userId'>, permissions: Iterable<string>): Promise<void> {
    if (await this.facade.isPlatformOperator(actor.userId)) return;
    const tenant = await this.facts.tenant(tenantId);
    const member = await this.facts.member(tenantId, actor.userId);
    const held = member.status === 'active' ? permissionsOf(tenant.roles, member.roles) : new Set<string>();
    const wanted = [...permissions];
    const beyond = wanted.filter((p) => !held.has(p));
    if (beyond.length) await this.refuse(tenantId, actor, AccessErrors.grantExceeds(beyond.sort()), { permissions: wanted.sort() });
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
