import { Injectable } from '@nestjs/common';
import { PermissionCatalog, type Principal } from '@user-engine/kernel';
import { OWNER_ROLE } from '@user-engine/tenancy';
import { PLATFORM_OPERATOR } from './access.permissions';
import { AuthorizationFacts, type MemberFacts, type TenantFacts } from './authorization-facts';
import { permissionsOf } from './domain/roles';

/** Who is asking: a signed-in user's token, or (checks for another user) just a user id. */
export type AccessSubject = Pick<Principal, 'userId'> & Partial<Pick<Principal, 'tenantId' | 'scopes' | 'acr'>>;

export interface AccessCheck {
  principal: AccessSubject;
  /** The tenant acted in; omitted for platform permissions. */
  tenantId?: string;
  /** Omitted: only an active membership is asked for (any member may). */
  permission?: string;
  /** The user an action on members targets (owner protection). */
  resource?: { type: 'user'; id: string };
  /** The subject may do this to themselves without the permission (leaving a tenant). */
  selfAllowed?: boolean;
  /** Only the subject's own active membership passes: being a platform operator is not enough. */
  ownMembership?: boolean;
}

export type DenyReason =
  | 'unknown_permission'
  | 'not_platform_operator'
  | 'no_tenant'
  | 'tenant_not_found'
  | 'tenant_suspended'
  | 'not_a_member'
  | 'membership_suspended'
  | 'token_tenant_mismatch'
  | 'missing_permission'
  | 'token_scope'
  | 'insufficient_assurance'
  | 'owner_protected'
  | 'target_exceeds_own_permissions';

export type Decision = { allowed: true; reason: string } | { allowed: false; reason: DenyReason };

/** What one decision reads: platform roles, and for tenant permissions the tenant, the caller's and the target's memberships. */
interface DecisionFacts {
  operator: boolean;
  tenant?: TenantFacts;
  member?: MemberFacts;
  target?: MemberFacts;
}

const deny = (reason: DenyReason): Decision => ({ allowed: false, reason });

/**
 * The one authorization decision point: every guarded route, the public and internal check
 * endpoints and token issuance ask it. It decides from facts only — tenant status, membership
 * status, roles with inheritance, platform roles, the token's tenant, scopes and assurance, the
 * target member — all read through the invalidated in-process cache.
 */
@Injectable()
export class AccessFacade {
  constructor(
    private readonly facts: AuthorizationFacts,
    private readonly catalog: PermissionCatalog,
  ) {}

  async isPlatformOperator(userId: string): Promise<boolean> {
    return (await this.facts.platformRolesOf(userId)).has(PLATFORM_OPERATOR);
  }

  async check(c: AccessCheck): Promise<Decision> {
    // Cached facts are read without a single await; only a miss waits for the database.
    return this.decide(c, this.peekFacts(c) ?? (await this.loadFacts(c)));
  }

  private peekFacts(c: AccessCheck): DecisionFacts | undefined {
    const roles = this.facts.peekPlatformRoles(c.principal.userId);
    if (!roles) return undefined;
    const operator = roles.has(PLATFORM_OPERATOR);
    if (!c.tenantId) return { operator };
    const tenant = this.facts.peekTenant(c.tenantId);
    const member = this.facts.peekMember(c.tenantId, c.principal.userId);
    const target = c.resource ? this.facts.peekMember(c.tenantId, c.resource.id) : undefined;
    if (!tenant || !member || (c.resource && !target)) return undefined;
    return { operator, tenant, member, target };
  }

  private async loadFacts(c: AccessCheck): Promise<DecisionFacts> {
    const operator = (await this.facts.platformRolesOf(c.principal.userId)).has(PLATFORM_OPERATOR);
    if (!c.tenantId) return { operator };
    // Every fact is loaded whatever the first one says: refusals take the same time for a tenant
    // that exists and one that does not.
    const [tenant, member, target] = await Promise.all([
      this.facts.tenant(c.tenantId),
      this.facts.member(c.tenantId, c.principal.userId),
      c.resource ? this.facts.member(c.tenantId, c.resource.id) : undefined,
    ]);
    return { operator, tenant, member, target };
  }

  /** The decision itself: a pure function of the request and the facts. */
  private decide(c: AccessCheck, f: DecisionFacts): Decision {
    const entry = c.permission === undefined ? undefined : this.catalog.get(c.permission);
    if (c.permission !== undefined && !entry) return deny('unknown_permission');
    if (entry?.scope === 'platform') {
      if (!f.operator) return deny('not_platform_operator');
      // Platform administration needs the operator's own session token, never one issued for a tenant.
      return c.principal.tenantId ? deny('token_scope') : { allowed: true, reason: 'platform_operator' };
    }
    const { tenant, member } = f;
    if (!c.tenantId || !tenant || !member) return deny('no_tenant');
    if (tenant.status === null || tenant.status === 'deleted') return deny('tenant_not_found');
    if (f.operator && !(c.ownMembership && member.status === null)) {
      // Operators act in any live tenant (audited like everyone), whatever its facts say; what their
      // token carries (scp, acr) still limits them.
      if (entry && c.principal.tenantId && c.principal.scopes && !c.principal.scopes.includes(entry.key)) return deny('token_scope');
      if (entry?.acr === 'aal2' && c.principal.acr !== 'aal2') return deny('insufficient_assurance');
      return { allowed: true, reason: 'platform_operator' };
    }

    // Existence of a tenant is not revealed to non-members: every such refusal reads as "not found".
    if (member.status === null) return deny('not_a_member');
    if (member.status === 'suspended') return deny('membership_suspended');
    if (c.principal.tenantId && c.principal.tenantId !== c.tenantId) return deny('token_tenant_mismatch');
    if (tenant.status === 'suspended') return deny('tenant_suspended');

    if (!entry) return { allowed: true, reason: 'member' };
    const permission = entry.key;
    if (c.selfAllowed && c.resource?.id === c.principal.userId) return { allowed: true, reason: 'self' };
    const held = permissionsOf(tenant.roles, member.roles);
    if (!held.has(permission)) return deny('missing_permission');
    // A tenant-scoped token carries at most what it was issued with, even if roles grew since.
    if (c.principal.tenantId === c.tenantId && c.principal.scopes && !c.principal.scopes.includes(permission)) return deny('token_scope');
    if (entry.acr === 'aal2' && c.principal.acr !== 'aal2') return deny('insufficient_assurance');
    if (c.resource && c.resource.id !== c.principal.userId && !member.roles.includes(OWNER_ROLE) && f.target) {
      // Only owners act on owners, and nobody on a member who holds permissions they lack.
      if (f.target.roles.includes(OWNER_ROLE)) return deny('owner_protected');
      if ([...permissionsOf(tenant.roles, f.target.roles)].some((p) => !held.has(p))) return deny('target_exceeds_own_permissions');
    }
    const via = member.roles.find((r) => tenant.roles.get(r)?.effective.has(permission));
    return { allowed: true, reason: `role:${via}` };
  }

  /** What holding `roles` grants in the tenant (its custom roles resolved, with inheritance). */
  async permissionsOfRoles(tenantId: string, roles: readonly string[]): Promise<string[]> {
    const tenant = this.facts.peekTenant(tenantId) ?? (await this.facts.tenant(tenantId));
    return [...permissionsOf(tenant.roles, roles)].sort();
  }

  /** The effective permissions of a member (for token scopes), or undefined when not an active member. */
  async permissionsOf(tenantId: string, userId: string): Promise<{ roles: string[]; permissions: string[] } | undefined> {
    const member = await this.facts.member(tenantId, userId);
    if (member.status !== 'active') return undefined;
    const tenant = await this.facts.tenant(tenantId);
    return { roles: [...member.roles], permissions: [...permissionsOf(tenant.roles, member.roles)].sort() };
  }
}
