import { DomainError, type FieldError, KernelErrors } from '@user-engine/kernel';

/** The profile module's errors; the kernel's filter maps their kind to the HTTP status. */
export const ProfileErrors = {
  invalid: (errors: FieldError[]) => KernelErrors.validation(errors),
  nothingToChange: () =>
    KernelErrors.validation([{ path: 'body', message: 'give at least one field or attribute to change', rule: 'atLeastOne' }]),
  /** A user the caller may not see reads like one that does not exist. */
  userNotFound: () => new DomainError('not_found', 'ACCOUNT.USER_NOT_FOUND', 'No such user.'),
  tenantNotFound: () => new DomainError('not_found', 'TENANCY.NOT_FOUND', 'No such tenant.'),
  memberNotFound: () => new DomainError('not_found', 'TENANCY.MEMBER_NOT_FOUND', 'No such member in this tenant.'),
};
