import { PermissionCatalog } from './permission-catalog';

describe('PermissionCatalog', () => {
  const catalog = () => {
    const c = new PermissionCatalog();
    c.register('tenancy', [
      { key: 'tenants:read', description: 'r', scope: 'tenant', minRole: 'viewer' },
      { key: 'members:invite', description: 'i', scope: 'tenant', minRole: 'editor' },
      { key: 'members:manage', description: 'm', scope: 'tenant', minRole: 'admin' },
      { key: 'tenants:delete', description: 'd', scope: 'tenant', minRole: 'owner' },
      { key: 'platform:tenants.read', description: 'p', scope: 'platform' },
    ]);
    return c;
  };

  it('derives the built-in roles from the lowest role of each permission: owner ⊇ admin ⊇ editor ⊇ viewer', () => {
    const c = catalog();
    expect(c.builtInPermissions('viewer')).toEqual(['tenants:read']);
    expect(c.builtInPermissions('editor')).toEqual(['members:invite', 'tenants:read']);
    expect(c.builtInPermissions('admin')).toEqual(['members:invite', 'members:manage', 'tenants:read']);
    expect(c.builtInPermissions('owner')).toEqual(['members:invite', 'members:manage', 'tenants:delete', 'tenants:read']);
  });

  it('never puts a platform permission in a tenant role', () => {
    expect(catalog().builtInPermissions('owner')).not.toContain('platform:tenants.read');
  });

  it('refuses keys that are not resource:action, duplicates and tenant permissions without a role', () => {
    const c = catalog();
    expect(() => c.register('x', [{ key: 'Members:Read', description: '', scope: 'tenant', minRole: 'viewer' }])).toThrow(
      /resource:action/,
    );
    expect(() => c.register('x', [{ key: 'members', description: '', scope: 'tenant', minRole: 'viewer' }])).toThrow(/resource:action/);
    expect(() => c.register('x', [{ key: 'tenants:read', description: '', scope: 'tenant', minRole: 'viewer' }])).toThrow(/declared twice/);
    expect(() => c.register('x', [{ key: 'things:do', description: '', scope: 'tenant' }])).toThrow(/lowest built-in role/);
  });

  it('lists every entry with its source, sorted', () => {
    expect(
      catalog()
        .list()
        .map((e) => `${e.source}:${e.key}`),
    ).toEqual([
      'tenancy:members:invite',
      'tenancy:members:manage',
      'tenancy:platform:tenants.read',
      'tenancy:tenants:delete',
      'tenancy:tenants:read',
    ]);
  });
});
