import { canTransition, canTransitionTenant, leavesNoActiveOwner, type MemberState } from './membership-status';

describe('membership status machine', () => {
  it.each([
    ['active', 'suspended', true],
    ['suspended', 'active', true],
    ['active', 'active', true],
    ['suspended', 'suspended', true],
  ] as const)('%s → %s is %s', (from, to, allowed) => expect(canTransition(from, to)).toBe(allowed));
});

describe('tenant status machine', () => {
  it.each([
    ['active', 'suspended', true],
    ['active', 'deleted', true],
    ['suspended', 'active', true],
    ['suspended', 'deleted', false],
    ['deleted', 'active', false],
    ['deleted', 'suspended', false],
    ['active', 'active', false],
  ] as const)('%s → %s is %s', (from, to, allowed) => expect(canTransitionTenant(from, to)).toBe(allowed));
});

describe('the last active owner', () => {
  const owner = (userId: string, status: MemberState['status'] = 'active'): MemberState => ({ userId, status, roles: ['owner'] });
  const admin: MemberState = { userId: 'c', status: 'active', roles: ['admin'] };

  it('cannot be removed, suspended or demoted when alone', () => {
    const a = owner('a');
    expect(leavesNoActiveOwner([a, admin], a, null)).toBe(true);
    expect(leavesNoActiveOwner([a, admin], a, { ...a, status: 'suspended' })).toBe(true);
    expect(leavesNoActiveOwner([a, admin], a, { ...a, roles: ['admin'] })).toBe(true);
  });

  it('can go when another active owner stays', () => {
    const a = owner('a');
    expect(leavesNoActiveOwner([a, owner('b'), admin], a, null)).toBe(false);
    expect(leavesNoActiveOwner([a, owner('b')], a, { ...a, roles: ['viewer'] })).toBe(false);
  });

  it('counts a suspended owner as no owner', () => {
    const a = owner('a');
    expect(leavesNoActiveOwner([a, owner('b', 'suspended')], a, null)).toBe(true);
  });

  it('does not concern changes to non-owners', () => {
    expect(leavesNoActiveOwner([owner('a'), admin], admin, null)).toBe(false);
  });
});
