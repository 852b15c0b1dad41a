import { Injectable } from '@nestjs/common';
import type { Principal } from '@user-engine/kernel';

/** The tenant claims of an access token issued for a tenant. */
export interface TenantClaims {
  tid: string;
  roles: string[];
  scp: string[];
  plan: string | null;
}

/** A user's membership as `GET /v1/me` shows it. */
export interface MeMembership {
  tenant_id: string;
  tenant_name: string;
  tenant_slug: string;
  tenant_status: string;
  status: string;
  roles: string[];
  joined_at: string;
}

export interface TenantClaimsSource {
  /** The claims for `userId` in `tenantId`, or a DomainError saying why there are none. */
  claimsFor(principal: Pick<Principal, 'userId' | 'acr'>, tenantId: string): Promise<TenantClaims>;
}

export interface MembershipsSource {
  membershipsOf(userId: string): Promise<MeMembership[]>;
}

/** The plan a user's token names (the subscription module): in `tenantId`, or their own when null. */
export interface PlanSource {
  planFor(userId: string, tenantId: string | null): Promise<string | null>;
}

/** Refuses to erase an account when that would break another module's invariant (a last owner). */
export type DeletionGuard = (userId: string) => Promise<void>;

/**
 * Extension points of the account module for the modules built on it. Tenancy and access depend on
 * account, never the reverse: they plug in here when they are mounted, and account works without
 * them (no tenant tokens, no memberships in `GET /v1/me`).
 */
@Injectable()
export class AccountExtensions {
  private tenantClaims?: TenantClaimsSource;
  private memberships?: MembershipsSource;
  private plans?: PlanSource;
  private readonly deletionGuards: DeletionGuard[] = [];

  useTenantClaims(source: TenantClaimsSource): void {
    this.tenantClaims = source;
  }

  useMemberships(source: MembershipsSource): void {
    this.memberships = source;
  }

  usePlans(source: PlanSource): void {
    this.plans = source;
  }

  /** The `plan` claim: null while no module provides plans. */
  planFor(userId: string, tenantId: string | null): Promise<string | null> {
    return this.plans ? this.plans.planFor(userId, tenantId) : Promise.resolve(null);
  }

  addDeletionGuard(guard: DeletionGuard): void {
    this.deletionGuards.push(guard);
  }

  get tenantClaimsSource(): TenantClaimsSource | undefined {
    return this.tenantClaims;
  }

  membershipsOf(userId: string): Promise<MeMembership[]> {
    return this.memberships ? this.memberships.membershipsOf(userId) : Promise.resolve([]);
  }

  async assertDeletable(userId: string): Promise<void> {
    for (const guard of this.deletionGuards) await guard(userId);
  }
}
