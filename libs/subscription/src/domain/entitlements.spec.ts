import { effectivePlan, grants, seatProblem } from './entitlements';

describe('effectivePlan: membership override, else the tenant, else the user', () => {
  it.each<[string, Parameters<typeof effectivePlan>[0], ReturnType<typeof effectivePlan>]>([
    ['all three', { membership: 'enterprise', tenant: 'team', user: 'pro' }, { plan: 'enterprise', source: 'membership' }],
    ['tenant and user', { tenant: 'team', user: 'pro' }, { plan: 'team', source: 'tenant' }],
    ['only the user', { membership: null, tenant: null, user: 'pro' }, { plan: 'pro', source: 'user' }],
    ['only an override', { membership: 'enterprise' }, { plan: 'enterprise', source: 'membership' }],
    ['none', {}, null],
  ])('%s', (_, candidates, expected) => {
    expect(effectivePlan(candidates)).toEqual(expected);
  });
});

describe('grants', () => {
  const features = { sso: true, audit_export: false, api_calls: 1000, exports: 0 };
  it('true switches and positive limits grant; false, zero and unnamed features do not', () => {
    expect(grants(features, 'sso')).toBe(true);
    expect(grants(features, 'api_calls')).toBe(true);
    expect(grants(features, 'audit_export')).toBe(false);
    expect(grants(features, 'exports')).toBe(false);
    expect(grants(features, 'scim')).toBe(false);
  });
});

describe('seatProblem', () => {
  it('fits up to the seats; unlimited always fits', () => {
    expect(seatProblem(5, 4)).toBeUndefined();
    expect(seatProblem(5, 0, 5)).toBeUndefined();
    expect(seatProblem(null, 10_000, 50)).toBeUndefined();
  });

  it('says how far over a change would go', () => {
    expect(seatProblem(5, 5)).toEqual({ seats: 5, active: 5, requested: 6 });
    expect(seatProblem(3, 2, 4)).toEqual({ seats: 3, active: 2, requested: 6 });
  });
});
