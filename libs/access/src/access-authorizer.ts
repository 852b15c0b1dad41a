import { Injectable, OnModuleInit } from '@nestjs/common';
import { AccessGate, AuditLog, type AuthorizationRequest, type Authorizer, type DomainError } from '@user-engine/kernel';
import { TenancyErrors } from '@user-engine/tenancy';
import { AccessErrors } from './access.errors';
import { AccessFacade, type Decision, type DenyReason } from './access-facade';

/** How a refusal reads to the caller. Non-members learn nothing about the tenant. */
export function errorFor(reason: DenyReason, permission: string): DomainError {
  switch (reason) {
    case 'tenant_not_found':
    case 'not_a_member':
    case 'membership_suspended':
    case 'no_tenant':
      return TenancyErrors.notFound();
    case 'tenant_suspended':
      return TenancyErrors.suspended();
    case 'token_tenant_mismatch':
      return AccessErrors.tenantMismatch();
    case 'insufficient_assurance':
      return AccessErrors.stepUpRequired(permission);
    default:
      return AccessErrors.forbidden(reason, permission);
  }
}

/**
 * The kernel guard's authorizer: every route's declared permission goes through the facade, and
 * every refusal is audited — in the tenant's trail when the tenant exists, else the platform's.
 */
@Injectable()
export class AccessAuthorizer implements Authorizer, OnModuleInit {
  constructor(
    private readonly gate: AccessGate,
    private readonly facade: AccessFacade,
    private readonly audit: AuditLog,
  ) {}

  onModuleInit(): void {
    this.gate.useAuthorizer(this);
  }

  async authorize(r: AuthorizationRequest): Promise<void> {
    const { requirement } = r;
    const permission = requirement.kind === 'member' ? undefined : requirement.permission;
    const decision: Decision = await this.facade.check({
      principal: r.principal,
      tenantId: requirement.kind === 'platform' ? undefined : r.tenantId,
      permission,
      resource: r.targetUserId ? { type: 'user', id: r.targetUserId } : undefined,
      selfAllowed: requirement.kind === 'tenant' && requirement.self === true,
      ownMembership: requirement.kind === 'member' && requirement.own === true,
    });
    if (decision.allowed) return;
    const inTenantChain =
      requirement.kind !== 'platform' && r.tenantId && decision.reason !== 'tenant_not_found' && decision.reason !== 'not_a_member';
    await this.audit.append(
      {
        tenantId: inTenantChain ? r.tenantId : null,
        actor: { type: 'user', id: r.principal.userId },
        action: 'authz.denied',
        outcome: 'denied',
        resource: r.targetUserId ? { type: 'user', id: r.targetUserId } : r.tenantId ? { type: 'tenant', id: r.tenantId } : undefined,
        ip: r.ip,
        userAgent: r.userAgent,
        data: { permission: permission ?? null, reason: decision.reason, ...(inTenantChain ? {} : { tenant_id: r.tenantId ?? null }) },
      },
      { separate: true },
    );
    throw errorFor(decision.reason, permission ?? 'membership');
  }
}
