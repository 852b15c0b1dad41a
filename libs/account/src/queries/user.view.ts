import type { UserStatus } from '../domain/user-status';
import type { UserEntity } from '../persistence/user.entity';

/** A user as the API and other modules see it: no credential, no internal timestamps. */
export interface UserView {
  id: string;
  email: string | null;
  email_verified: boolean;
  status: UserStatus;
  display_name: string | null;
  created_at: string;
}

export function toUserView(u: UserEntity): UserView {
  return {
    id: u.id,
    email: u.email,
    email_verified: u.email_verified_at !== null,
    status: u.status,
    display_name: u.display_name,
    created_at: u.created_at.toISOString(),
  };
}
