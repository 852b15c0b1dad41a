import { DomainError } from '@user-engine/kernel';

const field = (path: string, message: string, rule: string) => ({ errors: [{ path, message, rule }] });

/** The tenancy module's errors; the kernel's filter maps their kind to the HTTP status. */
export const TenancyErrors = {
  /** Also what a non-member sees for an existing tenant: existence is not revealed. */
  notFound: () => new DomainError('not_found', 'TENANCY.NOT_FOUND', 'No such tenant.'),
  suspended: () => new DomainError('forbidden', 'TENANCY.TENANT_SUSPENDED', 'This tenant is suspended.'),
  slugTaken: () =>
    new DomainError('conflict', 'TENANCY.SLUG_TAKEN', 'This slug is taken.', field('slug', 'slug is taken', 'TENANCY.SLUG_TAKEN')),
  memberNotFound: () => new DomainError('not_found', 'TENANCY.MEMBER_NOT_FOUND', 'No such member in this tenant.'),
  lastOwner: () => new DomainError('conflict', 'TENANCY.LAST_OWNER', 'A tenant needs an active owner: make someone else owner first.'),
  soleOwnerOf: (tenantIds: string[]) =>
    new DomainError('conflict', 'TENANCY.LAST_OWNER', 'You are the only owner of a tenant: hand it over or delete it first.', {
      extensions: { tenant_ids: tenantIds },
    }),
  invalidTransition: (from: string, to: string) =>
    new DomainError('conflict', 'TENANCY.INVALID_STATUS_TRANSITION', `A ${from} member cannot become ${to}.`, {
      extensions: { from, to },
    }),
  tenantTransition: (from: string, to: string) =>
    new DomainError('conflict', 'TENANCY.INVALID_STATUS_TRANSITION', `A ${from} tenant cannot become ${to}.`, { extensions: { from, to } }),
  alreadyMember: () =>
    new DomainError(
      'conflict',
      'TENANCY.ALREADY_MEMBER',
      'This address belongs to a member already.',
      field('email', 'already a member', 'TENANCY.ALREADY_MEMBER'),
    ),
  alreadyInvited: () =>
    new DomainError(
      'conflict',
      'TENANCY.ALREADY_INVITED',
      'This address has an open invitation; re-send it instead.',
      field('email', 'already invited', 'TENANCY.ALREADY_INVITED'),
    ),
  invitationNotFound: () => new DomainError('not_found', 'TENANCY.INVITATION_NOT_FOUND', 'No such open invitation.'),
  invitationInvalid: () =>
    new DomainError(
      'invalid',
      'TENANCY.INVITATION_INVALID',
      'The invitation is invalid, expired, revoked or already used.',
      field('token', 'invitation is not valid', 'TENANCY.INVITATION_INVALID'),
    ),
  invitationEmailMismatch: () =>
    new DomainError(
      'forbidden',
      'TENANCY.INVITATION_EMAIL_MISMATCH',
      "This invitation was sent to another address than your account's verified email.",
    ),
  selfLockout: () => new DomainError('conflict', 'TENANCY.CANNOT_CHANGE_SELF', 'You cannot suspend yourself; leave the tenant instead.'),
};
