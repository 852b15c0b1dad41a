import type { FieldError } from '@user-engine/kernel';
import { type Catalog, type CatalogInput, incompatibleAttributes, removedPermissions, sameCatalog, validateCatalog } from './catalog';

type Attribute = CatalogInput['attributes'][number];

const input = (over: Partial<CatalogInput> = {}): CatalogInput => ({ permissions: [], attributes: [], ...over });
const perm = (key: string, extra: Partial<CatalogInput['permissions'][number]> = {}) => ({ key, description: `Desc ${key}`, ...extra });
const attr = (over: Partial<Attribute> = {}): Attribute => ({ key: 'plan', type: 'string', scope: 'global', ...over });

/** The errors of validating `i` for the application `billing` (on top of `current`). */
const errorsOf = (i: CatalogInput, current?: Catalog): FieldError[] => validateCatalog('billing', i, current).errors;
/** Exactly one error, at `path`, with `rule`. */
const expectOnly = (i: CatalogInput, path: string, rule: string, current?: Catalog) =>
  expect(errorsOf(i, current)).toEqual([{ path, message: expect.any(String), rule }]);

/** A published catalog (what validation returns, as `current`). */
function published(i: CatalogInput, current?: Catalog): Catalog {
  const { catalog, errors } = validateCatalog('billing', i, current);
  expect(errors).toEqual([]);
  return catalog;
}

describe('validateCatalog: permissions', () => {
  it('accepts keys in the application namespace, defaults the role to owner, sorts by key', () => {
    const { catalog, errors } = validateCatalog(
      'billing',
      input({ permissions: [perm('billing:invoices.write', { default_role: 'editor' }), perm('billing:invoices.read')] }),
      undefined,
    );
    expect(errors).toEqual([]);
    expect(catalog).toEqual({
      permissions: [
        { key: 'billing:invoices.read', description: 'Desc billing:invoices.read', default_role: 'owner', deprecated: false },
        { key: 'billing:invoices.write', description: 'Desc billing:invoices.write', default_role: 'editor', deprecated: false },
      ],
      attributes: [],
      profile_fields: [],
    });
  });

  it('accepts every built-in role as default_role and an empty catalog', () => {
    for (const role of ['viewer', 'editor', 'admin', 'owner'] as const) {
      expect(published(input({ permissions: [perm('billing:x', { default_role: role })] })).permissions[0].default_role).toBe(role);
    }
    expect(published(input())).toEqual({ permissions: [], attributes: [], profile_fields: [] });
  });

  it.each([
    ['another namespace', 'crm:invoices.read'],
    ['a module namespace', 'members:read'],
    ['no action', 'billing'],
    ['an empty action', 'billing:'],
    ['upper case', 'billing:Invoices'],
    ['a prefix of the key', 'bill:read'],
    ['the key as a prefix', 'billings:read'],
    ['a nested namespace', 'billing.x:read'],
    ['spaces', 'billing: read'],
  ])('refuses a key with %s (rule namespace)', (_, key) => {
    expectOnly(input({ permissions: [perm('billing:ok'), perm(key)] }), 'permissions[1].key', 'namespace');
  });

  it('refuses a key listed twice (rule unique, at the second one)', () => {
    expectOnly(input({ permissions: [perm('billing:a'), perm('billing:b'), perm('billing:a')] }), 'permissions[2].key', 'unique');
  });

  it('refuses an unknown default_role (rule isIn)', () => {
    expectOnly(input({ permissions: [perm('billing:a', { default_role: 'superuser' as never })] }), 'permissions[0].default_role', 'isIn');
  });

  it('reports every error at once', () => {
    expect(
      errorsOf(
        input({
          permissions: [perm('crm:a'), perm('billing:b', { default_role: 'root' as never })],
          attributes: [attr({ key: 'Bad' })],
        }),
      ).map((e) => e.path),
    ).toEqual(['permissions[0].key', 'permissions[1].default_role', 'attributes[0].key']);
  });
});

describe('validateCatalog: deprecated', () => {
  const v1 = published(
    input({
      permissions: [perm('billing:a', { default_role: 'viewer' }), perm('billing:b'), perm('billing:c', { default_role: 'admin' })],
    }),
  );

  it('keeps a permission of the current catalog left out of the new one, marked deprecated, as it was', () => {
    const next = published(input({ permissions: [perm('billing:b'), perm('billing:d')], deprecated: ['billing:a'] }), v1);
    expect(next.permissions).toEqual([
      { key: 'billing:a', description: 'Desc billing:a', default_role: 'viewer', deprecated: true },
      { key: 'billing:b', description: 'Desc billing:b', default_role: 'owner', deprecated: false },
      { key: 'billing:d', description: 'Desc billing:d', default_role: 'owner', deprecated: false },
    ]);
  });

  it('keeps a deprecated permission deprecated when deprecated again', () => {
    const v2 = published(input({ permissions: [perm('billing:b')], deprecated: ['billing:a'] }), v1);
    const v3 = published(input({ permissions: [perm('billing:b')], deprecated: ['billing:a'] }), v2);
    expect(v3).toEqual(v2);
  });

  it('a deprecated permission published again is live again', () => {
    const v2 = published(input({ permissions: [perm('billing:b')], deprecated: ['billing:a'] }), v1);
    const v3 = published(input({ permissions: [perm('billing:a', { default_role: 'viewer' }), perm('billing:b')] }), v2);
    expect(v3.permissions.find((p) => p.key === 'billing:a')).toEqual({
      key: 'billing:a',
      description: 'Desc billing:a',
      default_role: 'viewer',
      deprecated: false,
    });
  });

  it('refuses to deprecate a permission that is still published (rule deprecated)', () => {
    expectOnly(
      input({ permissions: [perm('billing:a'), perm('billing:b')], deprecated: ['billing:a'] }),
      'deprecated[0]',
      'deprecated',
      v1,
    );
  });

  it('refuses to deprecate a permission the current catalog does not have (rule deprecated)', () => {
    expectOnly(input({ permissions: [perm('billing:a')], deprecated: ['billing:b', 'billing:zzz'] }), 'deprecated[1]', 'deprecated', v1);
    expectOnly(input({ permissions: [], deprecated: ['billing:a'] }), 'deprecated[0]', 'deprecated', undefined);
  });
});

describe('validateCatalog: attributes', () => {
  it('accepts every type and scope, normalises description/constraints/default, sorts by key', () => {
    const { catalog, errors } = validateCatalog(
      'billing',
      input({
        attributes: [
          attr({
            key: 'tier',
            type: 'string',
            scope: 'tenant',
            constraints: { enum: ['free', 'pro'] },
            default: 'free',
            description: 'Tier',
          }),
          attr({ key: 'seats', type: 'integer', constraints: { minimum: 1, maximum: 500 }, default: 5 }),
          attr({ key: 'ratio', type: 'number', constraints: { minimum: 0, maximum: 1 }, default: 0.5 }),
          attr({ key: 'beta', type: 'boolean', default: false }),
          attr({ key: 'a_1', type: 'string' }),
        ],
      }),
      undefined,
    );
    expect(errors).toEqual([]);
    expect(catalog.attributes).toEqual([
      { key: 'a_1', type: 'string', scope: 'global', description: null, constraints: {}, default: null },
      { key: 'beta', type: 'boolean', scope: 'global', description: null, constraints: {}, default: false },
      { key: 'ratio', type: 'number', scope: 'global', description: null, constraints: { minimum: 0, maximum: 1 }, default: 0.5 },
      { key: 'seats', type: 'integer', scope: 'global', description: null, constraints: { minimum: 1, maximum: 500 }, default: 5 },
      { key: 'tier', type: 'string', scope: 'tenant', description: 'Tier', constraints: { enum: ['free', 'pro'] }, default: 'free' },
    ]);
  });

  it('accepts every string constraint together', () => {
    const c = { min_length: 2, max_length: 10, pattern: '^[a-z]+$', enum: ['ab', 'cd'] };
    expect(published(input({ attributes: [attr({ constraints: c, default: 'ab' })] })).attributes[0].constraints).toEqual(c);
  });

  it.each([
    ['an upper-case letter', 'Plan'],
    ['a leading digit', '1plan'],
    ['a leading underscore', '_plan'],
    ['a hyphen', 'plan-tier'],
    ['65 characters', 'a'.repeat(65)],
    ['nothing', ''],
  ])('refuses a key with %s (rule matches)', (_, key) => {
    expectOnly(input({ attributes: [attr({ key })] }), 'attributes[0].key', 'matches');
  });

  it('accepts a 64-character key', () => {
    expect(errorsOf(input({ attributes: [attr({ key: 'a'.repeat(64) })] }))).toEqual([]);
  });

  it('refuses a key listed twice (rule unique)', () => {
    expectOnly(input({ attributes: [attr({ key: 'a' }), attr({ key: 'b' }), attr({ key: 'a' })] }), 'attributes[2].key', 'unique');
  });

  it('refuses an unknown type or scope (rule isIn)', () => {
    expectOnly(input({ attributes: [attr({ type: 'date' })] }), 'attributes[0].type', 'isIn');
    expectOnly(input({ attributes: [attr({ scope: 'session' })] }), 'attributes[0].scope', 'isIn');
  });

  it.each([
    ['string', { minimum: 1 }, 'minimum'],
    ['string', { maximum: 1 }, 'maximum'],
    ['string', { format: 'email' }, 'format'],
    ['integer', { min_length: 1 }, 'min_length'],
    ['integer', { pattern: 'x' }, 'pattern'],
    ['number', { max_length: 3 }, 'max_length'],
    ['boolean', { enum: [true] }, 'enum'],
    ['boolean', { minimum: 0 }, 'minimum'],
  ])('refuses a constraint that does not apply: %s with %j (rule unknownConstraint)', (type, constraints, name) => {
    expect(errorsOf(input({ attributes: [attr({ type, constraints })] }))).toEqual(
      expect.arrayContaining([{ path: `attributes[0].constraints.${name}`, message: expect.any(String), rule: 'unknownConstraint' }]),
    );
  });

  it.each([
    ['min_length', { min_length: -1 }],
    ['min_length', { min_length: 1.5 }],
    ['min_length', { min_length: '2' }],
    ['max_length', { max_length: 0 }],
    ['max_length', { max_length: 10_001 }],
    ['max_length', { max_length: 2.5 }],
    ['min_length', { min_length: 5, max_length: 4 }],
    ['pattern', { pattern: '' }],
    ['pattern', { pattern: 5 }],
    ['pattern', { pattern: '(' }],
    ['pattern', { pattern: '[' }],
    ['pattern', { pattern: 'a'.repeat(501) }],
    ['enum', { enum: [] }],
    ['enum', { enum: 'a' }],
    ['enum', { enum: ['a', 1] }],
    ['enum', { enum: ['a', 'a'] }],
    ['enum', { enum: Array.from({ length: 101 }, (_, i) => `v${i}`) }],
  ])('refuses a wrong string constraint %s #%# (rule constraint)', (name, constraints) => {
    expectOnly(input({ attributes: [attr({ constraints })] }), `attributes[0].constraints.${name}`, 'constraint');
  });

  it('accepts the bounds of the string constraints', () => {
    for (const constraints of [{ max_length: 1 }, { max_length: 10_000 }, { min_length: 0 }, { min_length: 3, max_length: 3 }]) {
      expect(errorsOf(input({ attributes: [attr({ constraints })] }))).toEqual([]);
    }
    expect(errorsOf(input({ attributes: [attr({ constraints: { enum: Array.from({ length: 100 }, (_, i) => `v${i}`) } })] }))).toEqual([]);
  });

  it.each([
    ['integer', { minimum: 1.5 }, 'minimum'],
    ['integer', { maximum: '3' }, 'maximum'],
    ['number', { minimum: Infinity }, 'minimum'],
    ['number', { maximum: NaN }, 'maximum'],
    ['integer', { minimum: 5, maximum: 4 }, 'minimum'],
    ['number', { minimum: 0.5, maximum: 0.4 }, 'minimum'],
    ['integer', { enum: ['1'] }, 'enum'],
    ['number', { enum: [1, 1] }, 'enum'],
    ['number', { enum: [] }, 'enum'],
  ])('refuses the %s constraints %j (rule constraint at %s)', (type, constraints, name) => {
    expectOnly(input({ attributes: [attr({ type, constraints })] }), `attributes[0].constraints.${name}`, 'constraint');
  });

  it('accepts numeric bounds and enums, equal bounds included', () => {
    expect(
      errorsOf(input({ attributes: [attr({ type: 'number', constraints: { minimum: -1.5, maximum: 2.5, enum: [0, 1.5] } })] })),
    ).toEqual([]);
    expect(errorsOf(input({ attributes: [attr({ type: 'integer', constraints: { minimum: 3, maximum: 3 } })] }))).toEqual([]);
  });

  it.each([
    ['string', {}, 5],
    ['string', { max_length: 3 }, 'abcd'],
    ['string', { min_length: 3 }, 'ab'],
    ['string', { pattern: '^[a-z]+$' }, 'ab1'],
    ['string', { enum: ['free', 'pro'] }, 'gold'],
    ['integer', {}, 1.5],
    ['integer', {}, '1'],
    ['integer', { minimum: 1 }, 0],
    ['integer', { maximum: 10 }, 11],
    ['integer', { enum: [1, 2] }, 3],
    ['number', {}, true],
    ['number', { minimum: 0.5 }, 0.25],
    ['boolean', {}, 'true'],
    ['boolean', {}, 0],
  ])('refuses a %s default that does not fit %j: %j (rule default)', (type, constraints, value) => {
    expectOnly(input({ attributes: [attr({ type, constraints, default: value })] }), 'attributes[0].default', 'default');
  });

  it('does not check the default against constraints that are themselves wrong', () => {
    expectOnly(
      input({ attributes: [attr({ constraints: { max_length: 0 }, default: 'abc' })] }),
      'attributes[0].constraints.max_length',
      'constraint',
    );
  });

  it('a null default is no default', () => {
    expect(
      published(input({ attributes: [attr({ type: 'integer', constraints: { minimum: 5 }, default: null })] })).attributes[0].default,
    ).toBe(null);
  });
});

describe('incompatibleAttributes', () => {
  const v1 = published(
    input({
      attributes: [attr({ key: 'seats', type: 'integer' }), attr({ key: 'tier', type: 'string', scope: 'tenant' })],
    }),
  );

  it('allows anything on the first publish, new attributes, dropped ones and changed constraints, defaults, descriptions', () => {
    expect(incompatibleAttributes(undefined, v1)).toEqual([]);
    const next = published(
      input({
        attributes: [
          attr({ key: 'seats', type: 'integer', constraints: { minimum: 1 }, default: 1, description: 'Seats' }),
          attr({ key: 'other', type: 'boolean' }),
        ],
      }),
    );
    expect(incompatibleAttributes(v1, next)).toEqual([]);
  });

  it('refuses a changed type or scope (rule compatible), at the index the request gave the attribute', () => {
    const changed: CatalogInput = {
      permissions: [],
      attributes: [attr({ key: 'tier', type: 'string', scope: 'global' }), attr({ key: 'seats', type: 'number' })],
    };
    expect(incompatibleAttributes(v1, changed)).toEqual([
      { path: 'attributes[0].scope', message: expect.any(String), rule: 'compatible' },
      { path: 'attributes[1].type', message: expect.any(String), rule: 'compatible' },
    ]);
    expect(incompatibleAttributes(v1, input({ attributes: [attr({ key: 'tier', type: 'integer', scope: 'global' })] }))).toEqual([
      { path: 'attributes[0].type', message: expect.any(String), rule: 'compatible' },
      { path: 'attributes[0].scope', message: expect.any(String), rule: 'compatible' },
    ]);
  });
});

describe('removedPermissions', () => {
  const v1 = published(input({ permissions: [perm('billing:a'), perm('billing:b'), perm('billing:c')] }));

  it('lists what the new catalog neither keeps nor deprecates', () => {
    expect(removedPermissions(undefined, v1)).toEqual([]);
    expect(removedPermissions(v1, v1)).toEqual([]);
    const next = published(input({ permissions: [perm('billing:b'), perm('billing:d')], deprecated: ['billing:a'] }), v1);
    expect(removedPermissions(v1, next)).toEqual(['billing:c']);
    expect(removedPermissions(v1, published(input()))).toEqual(['billing:a', 'billing:b', 'billing:c']);
  });

  it('a deprecated permission left out later is removed', () => {
    const v2 = published(input({ permissions: [perm('billing:b')], deprecated: ['billing:a'] }), v1);
    expect(removedPermissions(v2, published(input({ permissions: [perm('billing:b')] }), v2))).toEqual(['billing:a']);
  });
});

describe('validateCatalog: profile fields', () => {
  it('defaults to none and keeps the known ones in the order profiles show them', () => {
    expect(published(input()).profile_fields).toEqual([]);
    expect(published(input({ profile_fields: ['timezone', 'display_name', 'title'] })).profile_fields).toEqual([
      'display_name',
      'title',
      'timezone',
    ]);
    expect(
      published(
        input({
          profile_fields: ['picture_url', 'bio', 'title', 'last_name', 'first_name', 'display_name', 'locale', 'timezone'],
        }),
      ).profile_fields,
    ).toEqual(['display_name', 'first_name', 'last_name', 'title', 'bio', 'picture_url', 'locale', 'timezone']);
  });

  it.each(['email', 'Display_Name', '', 'attributes'])('refuses the unknown field %p (rule isIn)', (field) => {
    expectOnly(input({ profile_fields: ['display_name', field] }), 'profile_fields[1]', 'isIn');
  });

  it('refuses a field listed twice (rule unique)', () => {
    expectOnly(input({ profile_fields: ['bio', 'locale', 'bio'] }), 'profile_fields[2]', 'unique');
  });
});

describe('sameCatalog', () => {
  const v1 = published(
    input({
      permissions: [perm('billing:b'), perm('billing:a', { default_role: 'viewer' })],
      attributes: [attr({ key: 'tier', constraints: { max_length: 5, enum: ['a', 'b'] }, default: 'a' })],
      profile_fields: ['locale', 'display_name'],
    }),
  );
  /** What jsonb gives back: the same values, object keys in another order. */
  const reordered = (c: Catalog): Catalog => JSON.parse(JSON.stringify(c, (_, v) => reverseKeys(v))) as Catalog;
  const reverseKeys = (v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as object).reverse()) : v;

  it('is true for the same content, whatever the key order and the input order', () => {
    expect(sameCatalog(v1, v1)).toBe(true);
    expect(sameCatalog(reordered(v1), v1)).toBe(true);
    const again = published(
      input({
        permissions: [perm('billing:a', { default_role: 'viewer' }), perm('billing:b', { default_role: 'owner' })],
        attributes: [attr({ key: 'tier', constraints: { enum: ['a', 'b'], max_length: 5 }, default: 'a', description: null })],
        profile_fields: ['display_name', 'locale'],
      }),
    );
    expect(sameCatalog(v1, again)).toBe(true);
  });

  it('is false without a current catalog, or for any difference', () => {
    expect(sameCatalog(undefined, v1)).toBe(false);
    expect(sameCatalog(undefined, { permissions: [], attributes: [], profile_fields: [] })).toBe(false);
    const variants: Catalog[] = [
      { ...v1, permissions: v1.permissions.map((p, i) => (i ? p : { ...p, description: 'Other' })) },
      { ...v1, permissions: v1.permissions.map((p, i) => (i ? p : { ...p, default_role: 'admin' })) },
      { ...v1, permissions: v1.permissions.map((p, i) => (i ? p : { ...p, deprecated: true })) },
      { ...v1, permissions: v1.permissions.slice(1) },
      { ...v1, attributes: [] },
      { ...v1, attributes: [{ ...v1.attributes[0], default: 'b' }] },
      { ...v1, attributes: [{ ...v1.attributes[0], constraints: { max_length: 5, enum: ['b', 'a'] } }] },
      { ...v1, attributes: [{ ...v1.attributes[0], description: 'Tier' }] },
      { ...v1, profile_fields: ['display_name'] },
    ];
    for (const v of variants) expect(sameCatalog(v1, v)).toBe(false);
  });
});
