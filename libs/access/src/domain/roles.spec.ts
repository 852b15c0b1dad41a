import { findCycle, permissionsOf, resolveRoles } from './roles';

const BUILT_IN: Record<string, string[]> = {
  viewer: ['tenants:read'],
  editor: ['tenants:read', 'members:invite'],
  admin: ['tenants:read', 'members:invite', 'members:manage'],
  owner: ['tenants:read', 'members:invite', 'members:manage', 'tenants:delete'],
};
const builtIn = (r: string) => BUILT_IN[r];

describe('role resolution', () => {
  it('gives built-ins the hierarchy owner ⊇ admin ⊇ editor ⊇ viewer', () => {
    const roles = resolveRoles(builtIn, []);
    expect([...roles.get('owner')!.effective]).toEqual(BUILT_IN.owner);
    expect(roles.get('admin')!.inherits).toEqual(['editor']);
    expect(roles.get('viewer')!.inherits).toEqual([]);
  });

  it('adds inherited permissions to a custom role, transitively', () => {
    const roles = resolveRoles(builtIn, [
      { key: 'auditor', name: 'Auditor', description: null, permissions: ['audit:read'], inherits: ['viewer'] },
      { key: 'lead', name: 'Lead', description: null, permissions: ['roles:read'], inherits: ['auditor'] },
    ]);
    expect([...roles.get('lead')!.effective].sort()).toEqual(['audit:read', 'roles:read', 'tenants:read']);
  });

  it('grants nothing for unknown role keys', () => {
    const roles = resolveRoles(builtIn, []);
    expect([...permissionsOf(roles, ['ghost'])]).toEqual([]);
    expect([...permissionsOf(roles, ['viewer', 'ghost'])]).toEqual(['tenants:read']);
  });
});

describe('cycle detection', () => {
  it('finds a cycle through several roles', () => {
    expect(
      findCycle([
        { key: 'a', inherits: ['b'] },
        { key: 'b', inherits: ['c'] },
        { key: 'c', inherits: ['a'] },
      ]),
    ).toEqual(['a', 'b', 'c', 'a']);
  });

  it('finds a self-reference', () => {
    expect(findCycle([{ key: 'a', inherits: ['a'] }])).toEqual(['a', 'a']);
  });

  it('accepts a diamond', () => {
    expect(
      findCycle([
        { key: 'a', inherits: ['b', 'c'] },
        { key: 'b', inherits: ['d'] },
        { key: 'c', inherits: ['d'] },
        { key: 'd', inherits: ['viewer'] },
      ]),
    ).toBeNull();
  });
});
