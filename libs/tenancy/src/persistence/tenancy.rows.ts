import type { MembershipStatus, TenantStatus } from '../domain/membership-status';

export interface TenantRow {
  tenant_id: string;
  name: string;
  slug: string;
  status: TenantStatus;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  suspended_at: Date | null;
  deleted_at: Date | null;
  erase_after: Date | null;
}

export interface MembershipRow {
  tenant_id: string;
  user_id: string;
  email: string;
  status: MembershipStatus;
  roles: string[];
  invited_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface InvitationRow {
  tenant_id: string;
  id: string;
  email: string;
  roles: string[];
  status: 'pending' | 'accepted' | 'revoked';
  invited_by: string;
  created_at: Date;
  expires_at: Date;
  sent_count: number;
  last_sent_at: Date;
  accepted_at: Date | null;
  accepted_by: string | null;
  revoked_at: Date | null;
}
