import { Injectable, OnModuleInit } from '@nestjs/common';
import { AccountExtensions, type TenantClaims, type TenantClaimsSource } from '@user-engine/account';
import { AuditLog, type Principal } from '@user-engine/kernel';
import { TenancyErrors } from '@user-engine/tenancy';
import { AuthorizationFacts } from './authorization-facts';
import { AccessFacade } from './access-facade';

/**
 * The claims of a tenant-scoped access token: only for an active membership of an active tenant.
 * `scp` lists the member's effective permissions when issued; `plan` is the plan that applies to the
 * member there (the subscription module's, through the account extensions; null without it).
 */
@Injectable()
export class TenantTokenClaims implements TenantClaimsSource, OnModuleInit {
  constructor(
    private readonly facts: AuthorizationFacts,
    private readonly facade: AccessFacade,
    private readonly extensions: AccountExtensions,
    private readonly audit: AuditLog,
  ) {}

  onModuleInit(): void {
    this.extensions.useTenantClaims(this);
  }

  async claimsFor(principal: Pick<Principal, 'userId' | 'acr'>, tenantId: string): Promise<TenantClaims> {
    const tenant = await this.facts.tenant(tenantId);
    const granted =
      tenant.status === null || tenant.status === 'deleted' ? undefined : await this.facade.permissionsOf(tenantId, principal.userId);
    if (!granted || tenant.status === 'suspended') {
      // In the platform trail: a refusal must not reveal (or write into) a tenant the caller is not in.
      await this.audit.append(
        {
          actor: { type: 'user', id: principal.userId },
          action: 'auth.tenant_token.refused',
          outcome: 'denied',
          data: { tenant_id: tenantId, reason: granted ? 'tenant_suspended' : 'not_an_active_member' },
        },
        { separate: true },
      );
      throw granted ? TenancyErrors.suspended() : TenancyErrors.notFound();
    }
    const plan = await this.extensions.planFor(principal.userId, tenantId);
    return { tid: tenantId, roles: granted.roles, scp: granted.permissions, plan };
  }
}
