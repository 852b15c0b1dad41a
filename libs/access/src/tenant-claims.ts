import { Injectable, OnModuleInit } from '@nestjs/common';
import { AccountExtensions, type TenantClaims, type TenantClaimsSource } from '@user-engine/account';
import type { Principal } from '@user-engine/kernel';
import { TenancyErrors } from '@user-engine/tenancy';
import { AuthorizationFacts } from './authorization-facts';
import { AccessFacade } from './access-facade';

/**
 * The claims of a tenant-scoped access token: only for an active membership of an active tenant.
 * `scp` lists the member's effective permissions when issued; `plan` stays null until the
 * subscription module provides it.
 */
@Injectable()
export class TenantTokenClaims implements TenantClaimsSource, OnModuleInit {
  constructor(
    private readonly facts: AuthorizationFacts,
    private readonly facade: AccessFacade,
    private readonly extensions: AccountExtensions,
  ) {}

  onModuleInit(): void {
    this.extensions.useTenantClaims(this);
  }

  async claimsFor(principal: Pick<Principal, 'userId' | 'acr'>, tenantId: string): Promise<TenantClaims> {
    const tenant = await this.facts.tenant(tenantId);
    const granted =
      tenant.status === null || tenant.status === 'deleted' ? undefined : await this.facade.permissionsOf(tenantId, principal.userId);
    if (!granted) throw TenancyErrors.notFound();
    if (tenant.status === 'suspended') throw TenancyErrors.suspended();
    return { tid: tenantId, roles: granted.roles, scp: granted.permissions, plan: null };
  }
}
