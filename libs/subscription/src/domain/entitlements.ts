import type { Entitlement } from './plans';

/** Where the plan of a member's token comes from. */
export type PlanSource = 'membership' | 'tenant' | 'user';

/**
 * The plan that applies to a user acting in a tenant: a plan override on their membership, else the
 * tenant's current subscription, else the user's own; null when none of them has one. Outside any
 * tenant only the user's own counts.
 */
export function effectivePlan(candidates: {
  membership?: string | null;
  tenant?: string | null;
  user?: string | null;
}): { plan: string; source: PlanSource } | null {
  if (candidates.membership) return { plan: candidates.membership, source: 'membership' };
  if (candidates.tenant) return { plan: candidates.tenant, source: 'tenant' };
  if (candidates.user) return { plan: candidates.user, source: 'user' };
  return null;
}

/**
 * Whether `features` grant `feature`: a true switch, or a numeric limit above zero. A feature the
 * plan does not name is not granted.
 */
export function grants(features: Readonly<Record<string, Entitlement>>, feature: string): boolean {
  const value = features[feature];
  return value === true || (typeof value === 'number' && value > 0);
}

/**
 * Why `active + adding` members would exceed `seats`, or undefined when they fit (null seats:
 * unlimited). The numbers go into the 409 so the caller sees how far over they are.
 */
export function seatProblem(
  seats: number | null,
  active: number,
  adding = 1,
): { seats: number; active: number; requested: number } | undefined {
  if (seats === null || active + adding <= seats) return undefined;
  return { seats, active, requested: active + adding };
}
