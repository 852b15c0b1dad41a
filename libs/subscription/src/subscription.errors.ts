import { DomainError, type FieldError, KernelErrors } from '@user-engine/kernel';

/** The subscription module's errors; the kernel's filter maps their kind to the HTTP status. */
export const SubscriptionErrors = {
  invalid: (errors: FieldError[]) => KernelErrors.validation(errors),
  planNotFound: (key: string) =>
    new DomainError('not_found', 'SUBSCRIPTION.PLAN_NOT_FOUND', `No plan "${key}".`, { extensions: { plan: key } }),
  planExists: (key: string) =>
    new DomainError('conflict', 'SUBSCRIPTION.PLAN_EXISTS', `A plan "${key}" exists already (archive it instead of re-creating it).`, {
      extensions: { plan: key },
    }),
  planArchived: (key: string) =>
    new DomainError(
      'conflict',
      'SUBSCRIPTION.PLAN_ARCHIVED',
      `Plan "${key}" is archived: it keeps its subscribers but takes no new ones.`,
      {
        extensions: { plan: key },
      },
    ),
  notFound: () => new DomainError('not_found', 'SUBSCRIPTION.NOT_FOUND', 'There is no current subscription.'),
  chargeNotFound: () => new DomainError('not_found', 'SUBSCRIPTION.CHARGE_NOT_FOUND', 'No such charge on this subscription.'),
  chargeSettled: (status: string) =>
    new DomainError('conflict', 'SUBSCRIPTION.CHARGE_SETTLED', `The charge is ${status} already and cannot change.`, {
      extensions: { charge_status: status },
    }),
  samePlan: (key: string) =>
    new DomainError('conflict', 'SUBSCRIPTION.SAME_PLAN', `The subscription is on plan "${key}" already.`, { extensions: { plan: key } }),
  currencyMismatch: (from: string, to: string) =>
    new DomainError('conflict', 'SUBSCRIPTION.CURRENCY_MISMATCH', `A ${from} subscription cannot move to a plan billed in ${to}.`, {
      extensions: { from, to },
    }),
  pastDue: () =>
    new DomainError('conflict', 'SUBSCRIPTION.PAST_DUE', 'The subscription is past due: settle its open charges before changing plans.'),
  notCanceling: () =>
    new DomainError('conflict', 'SUBSCRIPTION.NOT_CANCELING', 'The subscription is not set to cancel: there is nothing to resume.'),
  /** The numbers say how far over the plan's seats the tenant would be. */
  seatLimit: (n: { plan: string; seats: number; active: number; pending: number; requested: number }) =>
    new DomainError(
      'conflict',
      'SUBSCRIPTION.SEAT_LIMIT',
      `Plan "${n.plan}" allows ${n.seats} seat${n.seats === 1 ? '' : 's'}; this needs ${n.requested} (${n.active} active member${
        n.active === 1 ? '' : 's'
      }${n.pending ? `, ${n.pending} open invitation${n.pending === 1 ? '' : 's'}` : ''}).`,
      { extensions: { plan: n.plan, seats: n.seats, active: n.active, pending: n.pending, requested: n.requested } },
    ),
  featureNotIncluded: (feature: string, plan: string | null) =>
    new DomainError(
      'forbidden',
      'SUBSCRIPTION.FEATURE_NOT_INCLUDED',
      plan ? `Plan "${plan}" does not include "${feature}".` : `This needs the "${feature}" feature, and no plan applies here.`,
      { extensions: { feature, plan } },
    ),
  memberNotFound: () => new DomainError('not_found', 'TENANCY.MEMBER_NOT_FOUND', 'No such member in this tenant.'),
  tenantNotFound: () => new DomainError('not_found', 'TENANCY.NOT_FOUND', 'No such tenant.'),
};
