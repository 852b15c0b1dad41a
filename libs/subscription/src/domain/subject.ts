import { type Scope, Scopes } from '@user-engine/kernel';

/** Who a subscription belongs to: a user (their own plan) or a tenant (the organisation's). */
export interface Subject {
  readonly type: 'user' | 'tenant';
  readonly id: string;
}

export const userSubject = (id: string): Subject => ({ type: 'user', id });
export const tenantSubject = (id: string): Subject => ({ type: 'tenant', id });

/** The tenant a subject's rows belong to (a user's are global). */
export const tenantOf = (s: Subject): string | null => (s.type === 'tenant' ? s.id : null);

/** The transaction scope a subject's rows are read and written in. */
export const scopeOf = (s: Subject): Scope => (s.type === 'tenant' ? Scopes.tenant(s.id) : Scopes.global);
