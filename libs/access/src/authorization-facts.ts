import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ChangeFeed, PermissionCatalog, Scopes, UnitOfWork } from '@user-engine/kernel';
import {
  GetMembership,
  GetTenant,
  type MembershipStatus,
  type MemberView,
  TENANCY_CHANGES,
  type TenantStatus,
  type TenantView,
} from '@user-engine/tenancy';
import { accessConfig, type AccessConfig } from './access.config';
import { resolveRoles, type ResolvedRole } from './domain/roles';
import { PlatformRolesRepository } from './persistence/platform-roles.repository';
import { RolesRepository } from './persistence/roles.repository';

/** Change-feed channels of the access module: custom roles (payload tenant id), platform roles (user id). */
export const ROLE_CHANGES = 'access_role_changes';
export const PLATFORM_ROLE_CHANGES = 'access_platform_role_changes';

export interface TenantFacts {
  /** null: no such tenant. */
  status: TenantStatus | null;
  roles: ReadonlyMap<string, ResolvedRole>;
}

export interface MemberFacts {
  /** null: not a member. */
  status: MembershipStatus | null;
  roles: readonly string[];
}

/** A cached load: the promise for those who wait, the value once it resolved (read without awaiting). */
interface Cached<T> {
  promise: Promise<T>;
  value?: T;
}

interface TenantEntry {
  loadedAt: number;
  facts?: Cached<TenantFacts>;
  members: Map<string, Cached<MemberFacts>>;
}

/**
 * The facts every authorization decision reads — tenant status and roles, memberships, platform
 * roles — cached per process. Whatever changes them signals it from its transaction (ChangeFeed):
 * this process drops the entry at commit, the others on NOTIFY; a reconnect drops everything. A
 * load racing an invalidation writes into the entry it started from, which is already detached, so
 * stale facts are never cached. The TTL is only a safety net.
 */
@Injectable()
export class AuthorizationFacts implements OnModuleInit {
  private tenants = new Map<string, TenantEntry>();
  private platform = new Map<string, Cached<ReadonlySet<string>> & { loadedAt: number }>();
  private memberCount = 0;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly queries: QueryBus,
    private readonly roles: RolesRepository,
    private readonly platformRoles: PlatformRolesRepository,
    private readonly catalog: PermissionCatalog,
    private readonly changes: ChangeFeed,
    @Inject(accessConfig.KEY) private readonly config: AccessConfig,
  ) {}

  onModuleInit(): void {
    const byTenant = { onChange: (tenantId: string) => this.forgetTenant(tenantId), onResync: () => this.clear() };
    this.changes.listen(TENANCY_CHANGES, byTenant);
    this.changes.listen(ROLE_CHANGES, byTenant);
    this.changes.listen(PLATFORM_ROLE_CHANGES, { onChange: (userId) => this.platform.delete(userId), onResync: () => this.clear() });
  }

  clear(): void {
    this.tenants = new Map();
    this.platform = new Map();
    this.memberCount = 0;
  }

  forgetTenant(tenantId: string): void {
    const entry = this.tenants.get(tenantId);
    if (!entry) return;
    this.memberCount -= entry.members.size;
    this.tenants.delete(tenantId);
  }

  /**
   * The cached facts, without waiting — undefined when not loaded yet (or inside a transaction,
   * where nothing is cached). The decision point's hot path reads these synchronously: a request
   * whose facts are cached costs no promise per fact.
   */
  peekTenant(tenantId: string): TenantFacts | undefined {
    const entry = this.uow.active ? undefined : this.tenants.get(tenantId);
    return entry && Date.now() - entry.loadedAt < this.config.cacheTtl ? entry.facts?.value : undefined;
  }

  peekMember(tenantId: string, userId: string): MemberFacts | undefined {
    const entry = this.uow.active ? undefined : this.tenants.get(tenantId);
    return entry && Date.now() - entry.loadedAt < this.config.cacheTtl ? entry.members.get(userId)?.value : undefined;
  }

  peekPlatformRoles(userId: string): ReadonlySet<string> | undefined {
    const cached = this.uow.active ? undefined : this.platform.get(userId);
    return cached && Date.now() - cached.loadedAt < this.config.cacheTtl ? cached.value : undefined;
  }

  async tenant(tenantId: string): Promise<TenantFacts> {
    // Inside a transaction the facts may include its uncommitted writes: read them, never cache them.
    if (this.uow.active) return this.loadTenant(tenantId);
    const entry = this.entry(tenantId);
    if (!entry.facts) {
      const cached: Cached<TenantFacts> = {
        promise: this.loadTenant(tenantId).then(
          (facts) => {
            cached.value = facts;
            // Unknown ids are not kept: anyone can ask about any number of them.
            if (facts.status === null && this.tenants.get(tenantId) === entry) this.forgetTenant(tenantId);
            return facts;
          },
          (err: unknown) => {
            entry.facts = undefined;
            throw err;
          },
        ),
      };
      entry.facts = cached;
    }
    return entry.facts.promise;
  }

  async member(tenantId: string, userId: string): Promise<MemberFacts> {
    if (this.uow.active) return this.loadMember(tenantId, userId);
    const entry = this.entry(tenantId);
    let cached = entry.members.get(userId);
    if (!cached) {
      const fresh: Cached<MemberFacts> = {
        promise: this.loadMember(tenantId, userId).then(
          (facts) => (fresh.value = facts),
          (err: unknown) => {
            if (entry.members.get(userId) === fresh && entry.members.delete(userId)) this.memberCount--;
            throw err;
          },
        ),
      };
      cached = fresh;
      if (this.config.cacheSize > 0) {
        entry.members.set(userId, fresh);
        if (++this.memberCount > this.config.cacheSize) this.evictOldest();
      }
    }
    return cached.promise;
  }

  async platformRolesOf(userId: string): Promise<ReadonlySet<string>> {
    if (this.uow.active) return new Set(await this.platformRoles.rolesOf(userId));
    const hit = this.platform.get(userId);
    if (hit && Date.now() - hit.loadedAt < this.config.cacheTtl) return hit.promise;
    const cached: Cached<ReadonlySet<string>> & { loadedAt: number } = {
      loadedAt: Date.now(),
      promise: this.uow
        .run(Scopes.global, () => this.platformRoles.rolesOf(userId))
        .then(
          (r) => (cached.value = new Set(r)),
          (err: unknown) => {
            if (this.platform.get(userId) === cached) this.platform.delete(userId);
            throw err;
          },
        ),
    };
    if (this.config.cacheSize > 0) {
      if (this.platform.size >= this.config.cacheSize) this.platform.delete(this.platform.keys().next().value as string);
      this.platform.set(userId, cached);
    }
    return cached.promise;
  }

  private entry(tenantId: string): TenantEntry {
    let entry = this.tenants.get(tenantId);
    if (entry && Date.now() - entry.loadedAt >= this.config.cacheTtl) {
      this.forgetTenant(tenantId);
      entry = undefined;
    }
    if (!entry) {
      entry = { loadedAt: Date.now(), members: new Map() };
      if (this.config.cacheSize > 0) {
        // Tenants count against the bound as well as memberships.
        if (this.tenants.size >= this.config.cacheSize) this.evictOldest();
        this.tenants.set(tenantId, entry);
      }
    }
    return entry;
  }

  private evictOldest(): void {
    const oldest = this.tenants.keys().next().value;
    if (oldest !== undefined) this.forgetTenant(oldest);
  }

  private loadTenant(tenantId: string): Promise<TenantFacts> {
    return this.uow.run(Scopes.tenant(tenantId), async () => {
      const tenant = await this.queries.execute<GetTenant, TenantView | undefined>(new GetTenant(tenantId));
      const custom = await this.roles.list(tenantId);
      return {
        status: tenant?.status ?? null,
        roles: resolveRoles((r) => this.catalog.builtInPermissions(r), custom),
      };
    });
  }

  private async loadMember(tenantId: string, userId: string): Promise<MemberFacts> {
    const m = await this.queries.execute<GetMembership, MemberView | undefined>(new GetMembership(tenantId, userId));
    return { status: m?.status ?? null, roles: m?.roles ?? [] };
  }
}
