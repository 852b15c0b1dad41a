import { AttributeCatalog, type AttributeDefinition } from '@user-engine/kernel';
import { applyAttributeChanges, MAX_ATTRIBUTE_WRITES, readAttributeChanges } from './attributes';

const attr = (key: string, scope: 'global' | 'tenant', extra: Partial<AttributeDefinition> = {}): AttributeDefinition => ({
  key,
  type: 'string',
  scope,
  description: null,
  constraints: {},
  default: null,
  ...extra,
});

const catalog = new AttributeCatalog();
catalog.replaceApplication('crm', {
  applicationId: 'a1',
  attributes: [
    attr('region', 'global', { constraints: { enum: ['emea', 'amer'] } }),
    attr('code', 'global', { constraints: { pattern: '^[A-Z]{3}$' } }),
    attr('team', 'tenant', { constraints: { max_length: 5 } }),
    attr('seats', 'tenant', { type: 'integer', constraints: { minimum: 1, maximum: 10 } }),
    attr('vip', 'global', { type: 'boolean' }),
  ],
  profileFields: [],
});

describe('readAttributeChanges', () => {
  it('accepts valid values and nulls of the layer being written', () => {
    expect(readAttributeChanges({ crm: { region: 'emea', vip: false, code: null } }, catalog, 'global')).toEqual({
      changes: [
        { application: 'crm', key: 'region', value: 'emea' },
        { application: 'crm', key: 'vip', value: false },
        { application: 'crm', key: 'code', value: null },
      ],
      errors: [],
    });
    expect(readAttributeChanges({ crm: { seats: 3, team: 'north' } }, catalog, 'tenant').errors).toEqual([]);
    expect(readAttributeChanges(undefined, catalog, 'global')).toEqual({ changes: [], errors: [] });
  });

  it.each([
    [[1], 'global', 'attributes', 'isObject'],
    [{ nope: { a: 1 } }, 'global', 'attributes.nope', 'unknownApplication'],
    [{ crm: 'emea' }, 'global', 'attributes.crm', 'isObject'],
    [{ crm: { ghost: 1 } }, 'global', 'attributes.crm.ghost', 'unknownAttribute'],
    [{ crm: { team: 'x' } }, 'global', 'attributes.crm.team', 'attributeScope'],
    [{ crm: { region: 'emea' } }, 'tenant', 'attributes.crm.region', 'attributeScope'],
    [{ crm: { region: 'apac' } }, 'global', 'attributes.crm.region', 'attributeValue'],
    [{ crm: { region: 3 } }, 'global', 'attributes.crm.region', 'attributeValue'],
    [{ crm: { code: 'abc' } }, 'global', 'attributes.crm.code', 'attributeValue'],
    [{ crm: { vip: 'yes' } }, 'global', 'attributes.crm.vip', 'attributeValue'],
    [{ crm: { team: 'toolong' } }, 'tenant', 'attributes.crm.team', 'attributeValue'],
    [{ crm: { seats: 0 } }, 'tenant', 'attributes.crm.seats', 'attributeValue'],
    [{ crm: { seats: 1.5 } }, 'tenant', 'attributes.crm.seats', 'attributeValue'],
  ] as const)('refuses %j written to the %s layer at %s (%s)', (input, layer, path, rule) => {
    const { errors } = readAttributeChanges(input, catalog, layer);
    expect(errors.map((e) => [e.path, e.rule])).toEqual([[path, rule]]);
  });

  it('explains the scope refusal with the route to use', () => {
    expect(readAttributeChanges({ crm: { team: 'x' } }, catalog, 'global').errors[0].message).toBe(
      'crm.team is tenant-scoped: write it through PATCH /v1/tenants/{tenant_id}/profile',
    );
  });

  it('bounds the work of one request', () => {
    const many = Object.fromEntries(Array.from({ length: MAX_ATTRIBUTE_WRITES + 1 }, (_, i) => [`a${i}`, 'x']));
    expect(readAttributeChanges({ crm: many }, catalog, 'global').errors).toEqual([
      { path: 'attributes', message: `at most ${MAX_ATTRIBUTE_WRITES} attributes per request`, rule: 'maxSize' },
    ]);
  });
});

describe('applyAttributeChanges', () => {
  it('sets, removes and names only real changes; empty applications disappear', () => {
    const { next, changed } = applyAttributeChanges({ crm: { region: 'emea', vip: true }, hr: { badge: 'B' } }, [
      { application: 'crm', key: 'region', value: 'emea' },
      { application: 'crm', key: 'vip', value: null },
      { application: 'hr', key: 'badge', value: null },
      { application: 'crm', key: 'code', value: 'ABC' },
      { application: 'crm', key: 'ghost', value: null },
    ]);
    expect(next).toEqual({ crm: { region: 'emea', code: 'ABC' } });
    expect(changed).toEqual(['attributes.crm.vip', 'attributes.hr.badge', 'attributes.crm.code']);
  });

  it('does not mutate what it was given', () => {
    const current = { crm: { region: 'emea' } };
    applyAttributeChanges(current, [{ application: 'crm', key: 'region', value: null }]);
    expect(current).toEqual({ crm: { region: 'emea' } });
  });
});
