import type { InvitationRow, MembershipRow, TenantRow } from '../persistence/tenancy.rows';

export interface TenantView {
  id: string;
  name: string;
  slug: string;
  status: TenantRow['status'];
  created_at: string;
  updated_at: string;
  suspended_at: string | null;
  deleted_at: string | null;
  erase_after: string | null;
}

export interface MemberView {
  user_id: string;
  email: string;
  status: MembershipRow['status'];
  roles: string[];
  invited_by: string | null;
  joined_at: string;
  updated_at: string;
}

export interface InvitationView {
  id: string;
  email: string;
  roles: string[];
  /** `expired` is an open invitation past its expiry. */
  status: 'pending' | 'expired' | 'accepted' | 'revoked';
  invited_by: string;
  created_at: string;
  expires_at: string;
  sent_count: number;
  last_sent_at: string;
  accepted_at: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toTenantView(t: TenantRow): TenantView {
  return {
    id: t.tenant_id,
    name: t.name,
    slug: t.slug,
    status: t.status,
    created_at: t.created_at.toISOString(),
    updated_at: t.updated_at.toISOString(),
    suspended_at: iso(t.suspended_at),
    deleted_at: iso(t.deleted_at),
    erase_after: iso(t.erase_after),
  };
}

export function toMemberView(m: MembershipRow): MemberView {
  return {
    user_id: m.user_id,
    email: m.email,
    status: m.status,
    roles: m.roles,
    invited_by: m.invited_by,
    joined_at: m.created_at.toISOString(),
    updated_at: m.updated_at.toISOString(),
  };
}

export function invitationStatus(i: Pick<InvitationRow, 'status' | 'expires_at'>, now = new Date()): InvitationView['status'] {
  return i.status === 'pending' && i.expires_at <= now ? 'expired' : i.status;
}

export function toInvitationView(i: InvitationRow): InvitationView {
  return {
    id: i.id,
    email: i.email,
    roles: i.roles,
    status: invitationStatus(i),
    invited_by: i.invited_by,
    created_at: i.created_at.toISOString(),
    expires_at: i.expires_at.toISOString(),
    sent_count: i.sent_count,
    last_sent_at: i.last_sent_at.toISOString(),
    accepted_at: iso(i.accepted_at),
  };
}
