import type { IdentityEntity } from '../persistence/identity.entity';

export interface IdentityView {
  id: string;
  provider: string;
  subject: string;
  email: string | null;
  created_at: string;
  last_used_at: string | null;
}

export function toIdentityView(i: IdentityEntity): IdentityView {
  return {
    id: i.id,
    provider: i.provider,
    subject: i.subject,
    email: i.email,
    created_at: i.created_at.toISOString(),
    last_used_at: i.last_used_at?.toISOString() ?? null,
  };
}
