import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { AuditLog, type ChainVerification, queryRows, Scopes, UnitOfWork } from '@user-engine/kernel';
import type { EntityManager } from 'typeorm';
import { type RoleSummary, TenantRolePolicy } from '../../tenant-role-policy';
import { type DiagnosticCheck, DiagnosticChecks } from './diagnostic-checks';
import { GetDiagnostics } from './get-diagnostics.query';

export type { DiagnosticCheck };

export interface Diagnostics {
  tenant_id: string;
  generated_at: string;
  /** The worst status of all checks. */
  status: DiagnosticCheck['status'];
  checks: DiagnosticCheck[];
}

const RANK = { ok: 0, warn: 1, fail: 2 } as const;

@QueryHandler(GetDiagnostics)
export class GetDiagnosticsHandler implements IQueryHandler<GetDiagnostics, Diagnostics> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly policy: TenantRolePolicy,
    private readonly audit: AuditLog,
    private readonly contributed: DiagnosticChecks,
  ) {}

  async execute(q: GetDiagnostics): Promise<Diagnostics> {
    const facts = await this.uow.run(Scopes.tenant(q.tenantId), (m) => this.facts(m, q.tenantId));
    const roles = await this.policy.listRoles(q.tenantId);
    const chain = await this.audit.verify(q.tenantId);
    return summarise(q.tenantId, facts, roles, chain, await this.contributed.run(q.tenantId));
  }

  private async facts(m: EntityManager, tenantId: string) {
    const byStatus = await queryRows<{ status: string; n: string }>(
      m,
      `SELECT status, count(*) AS n FROM tenancy.memberships WHERE tenant_id = $1 GROUP BY status`,
      [tenantId],
    );
    const bindings = await queryRows<{ role: string; n: string }>(
      m,
      `SELECT role, count(*) AS n FROM tenancy.memberships, unnest(roles) AS role WHERE tenant_id = $1 AND status = 'active' GROUP BY role`,
      [tenantId],
    );
    const [inv] = await queryRows<{ pending: string; expired: string }>(
      m,
      `SELECT count(*) FILTER (WHERE expires_at > now()) AS pending, count(*) FILTER (WHERE expires_at <= now()) AS expired
         FROM tenancy.invitations WHERE tenant_id = $1 AND status = 'pending'`,
      [tenantId],
    );
    return { byStatus, bindings, inv };
  }
}

function summarise(
  tenantId: string,
  {
    byStatus,
    bindings,
    inv,
  }: { byStatus: { status: string; n: string }[]; bindings: { role: string; n: string }[]; inv: { pending: string; expired: string } },
  roles: RoleSummary[],
  chain: ChainVerification,
  contributed: DiagnosticCheck[],
): Diagnostics {
  const members = Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)]));
  const bound = Object.fromEntries(bindings.map((r) => [r.role, Number(r.n)]));
  const owners = bound.owner ?? 0;
  const unused = roles.filter((r) => !r.built_in && !bound[r.key]).map((r) => r.key);
  const pending = Number(inv.pending);
  const expired = Number(inv.expired);
  const checks: DiagnosticCheck[] = [
    owners > 0
      ? { key: 'owners', status: 'ok', message: `${owners} active owner${owners > 1 ? 's' : ''}.`, details: { active_owners: owners } }
      : {
          key: 'owners',
          status: 'fail',
          message: 'No active owner: nobody can delete the tenant or manage owners.',
          details: { active_owners: 0 },
        },
    {
      key: 'members',
      status: 'ok',
      message: `${members.active ?? 0} active, ${members.suspended ?? 0} suspended member(s).`,
      details: { active: members.active ?? 0, suspended: members.suspended ?? 0, invited: pending },
    },
    {
      key: 'role_bindings',
      status: 'ok',
      message: `${roles.length} role(s); ${Object.keys(bound).length} in use.`,
      details: { roles: roles.map((r) => ({ key: r.key, built_in: r.built_in, active_members: bound[r.key] ?? 0 })) },
    },
    unused.length
      ? {
          key: 'unused_custom_roles',
          status: 'warn',
          message: `Custom role(s) without members: ${unused.join(', ')}.`,
          details: { roles: unused },
        }
      : { key: 'unused_custom_roles', status: 'ok', message: 'Every custom role has members.', details: { roles: [] } },
    expired
      ? {
          key: 'invitations',
          status: 'warn',
          message: `${expired} invitation(s) expired unanswered; re-send or revoke them. ${pending} pending.`,
          details: { pending, expired },
        }
      : { key: 'invitations', status: 'ok', message: `${pending} pending invitation(s), none expired.`, details: { pending, expired } },
    chain.intact
      ? {
          key: 'audit_chain',
          status: 'ok',
          message: `Audit chain intact (${chain.sealed} sealed, ${chain.unsealed} awaiting sealing).`,
          details: { sealed: chain.sealed, unsealed: chain.unsealed },
        }
      : {
          key: 'audit_chain',
          status: 'fail',
          message: `Audit chain broken at entry ${chain.brokenAt?.seq} (${chain.brokenAt?.reason}).`,
          details: { broken_at: chain.brokenAt },
        },
    ...contributed,
  ];
  const status = checks.reduce<DiagnosticCheck['status']>((w, c) => (RANK[c.status] > RANK[w] ? c.status : w), 'ok');
  return { tenant_id: tenantId, generated_at: new Date().toISOString(), status, checks };
}
