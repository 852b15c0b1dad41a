import { AttributeCatalog, type AttributeDefinition } from '@user-engine/kernel';
import { projectProfile, publishedGlobalAttributes, resolveEffectiveProfile, type ProfileLayer } from './effective-profile';

const attr = (key: string, scope: 'global' | 'tenant', extra: Partial<AttributeDefinition> = {}): AttributeDefinition => ({
  key,
  type: 'string',
  scope,
  description: null,
  constraints: {},
  default: null,
  ...extra,
});

function catalog(): AttributeCatalog {
  const c = new AttributeCatalog();
  c.replaceApplication('crm', {
    applicationId: 'a1',
    attributes: [
      attr('region', 'global'),
      attr('tier', 'global', { default: 'free' }),
      attr('team', 'tenant'),
      attr('seat', 'tenant', { type: 'integer', default: 1 }),
    ],
    profileFields: ['display_name', 'locale'],
  });
  c.replaceApplication('hr', { applicationId: 'a2', attributes: [attr('badge', 'global')], profileFields: [] });
  return c;
}

const layer = (fields: ProfileLayer['fields'], attributes: ProfileLayer['attributes'] = {}): ProfileLayer => ({ fields, attributes });

describe('resolveEffectiveProfile: fields', () => {
  const schemas = () => catalog().applications();

  it('a tenant override wins over the global value', () => {
    const e = resolveEffectiveProfile(layer({ display_name: 'Ada' }), layer({ display_name: 'Ada (Acme)' }), schemas(), { tenant: true });
    expect([e.fields.display_name, e.sources.display_name]).toEqual(['Ada (Acme)', 'tenant']);
  });

  it('no override (missing or null) falls back to the global value', () => {
    const missing = resolveEffectiveProfile(layer({ locale: 'en-GB' }), layer({}), schemas(), { tenant: true });
    const cleared = resolveEffectiveProfile(layer({ locale: 'en-GB' }), layer({ locale: null }), schemas(), { tenant: true });
    const noLayer = resolveEffectiveProfile(layer({ locale: 'en-GB' }), undefined, schemas(), { tenant: true });
    for (const e of [missing, cleared, noLayer]) expect([e.fields.locale, e.sources.locale]).toEqual(['en-GB', 'global']);
  });

  it('an override without a global value is the tenant value', () => {
    const e = resolveEffectiveProfile(layer({ bio: null }), layer({ bio: 'Sales' }), schemas(), { tenant: true });
    expect([e.fields.bio, e.sources.bio]).toEqual(['Sales', 'tenant']);
  });

  it('neither is unset (null), also with no profile at all', () => {
    const e = resolveEffectiveProfile(undefined, undefined, schemas(), { tenant: true });
    expect(Object.values(e.fields).every((v) => v === null)).toBe(true);
    expect(Object.values(e.sources).every((s) => s === 'unset')).toBe(true);
    expect(Object.keys(e.fields)).toEqual(['display_name', 'first_name', 'last_name', 'title', 'bio', 'picture_url', 'locale', 'timezone']);
  });

  it('title exists only in a tenant layer', () => {
    const e = resolveEffectiveProfile(layer({}), layer({ title: 'CTO' }), schemas(), { tenant: true });
    expect([e.fields.title, e.sources.title]).toEqual(['CTO', 'tenant']);
  });

  it('without a tenant the layer is ignored', () => {
    const e = resolveEffectiveProfile(layer({ display_name: 'Ada' }), layer({ display_name: 'X', title: 'CTO' }), schemas(), {
      tenant: false,
    });
    expect([e.fields.display_name, e.sources.display_name, e.fields.title, e.sources.title]).toEqual(['Ada', 'global', null, 'unset']);
  });
});

describe('resolveEffectiveProfile: attributes', () => {
  const schemas = () => catalog().applications();

  it('a global attribute comes from the global profile, else its default, else is left out', () => {
    const e = resolveEffectiveProfile(layer({}, { crm: { region: 'emea' } }), layer({}), schemas(), { tenant: true });
    expect(e.attributes.crm).toEqual({ region: 'emea', tier: 'free', seat: 1 });
    expect(e.attributeSources.crm).toEqual({ region: 'global', tier: 'default', seat: 'default' });
    expect(e.attributes.hr).toBeUndefined();
  });

  it('a global value replaces the default', () => {
    const e = resolveEffectiveProfile(layer({}, { crm: { tier: 'pro' } }), undefined, schemas(), { tenant: true });
    expect([e.attributes.crm.tier, e.attributeSources.crm.tier]).toEqual(['pro', 'global']);
  });

  it('a tenant attribute comes from the layer, else its default', () => {
    const e = resolveEffectiveProfile(layer({}), layer({}, { crm: { team: 'north', seat: 3 } }), schemas(), { tenant: true });
    expect(e.attributes.crm).toEqual({ tier: 'free', team: 'north', seat: 3 });
    expect(e.attributeSources.crm).toEqual({ tier: 'default', team: 'tenant', seat: 'tenant' });
  });

  it('a layer never overrides a global attribute, nor the global profile a tenant one', () => {
    const e = resolveEffectiveProfile(layer({}, { crm: { team: 'stale' } }), layer({}, { crm: { region: 'stale' } }), schemas(), {
      tenant: true,
    });
    expect(e.attributes.crm).toEqual({ tier: 'free', seat: 1 });
  });

  it('values of attributes no catalog publishes any more are not shown', () => {
    const e = resolveEffectiveProfile(layer({}, { crm: { gone: 'x' }, old: { a: 1 } }), undefined, schemas(), { tenant: true });
    expect(e.attributes).toEqual({ crm: { tier: 'free', seat: 1 } });
  });

  it('without a tenant, tenant attributes do not exist (not even their defaults)', () => {
    const e = resolveEffectiveProfile(layer({}), layer({}, { crm: { team: 'north' } }), schemas(), { tenant: false });
    expect(e.attributes).toEqual({ crm: { tier: 'free' } });
  });

  it('a stored value the current definition no longer admits (type or constraints changed) reads as the default', () => {
    const c = new AttributeCatalog();
    c.replaceApplication('x', {
      applicationId: 'a',
      attributes: [
        attr('tier', 'global', { type: 'integer', default: 1 }),
        attr('plan', 'global', { constraints: { enum: ['a'] } }),
        attr('team', 'tenant', { constraints: { max_length: 3 }, default: 'n/a' }),
      ],
      profileFields: [],
    });
    const e = resolveEffectiveProfile(
      layer({}, { x: { tier: 'gold', plan: 'b' } }),
      layer({}, { x: { team: 'north' } }),
      c.applications(),
      {
        tenant: true,
      },
    );
    expect(e.attributes.x).toEqual({ tier: 1, team: 'n/a' });
    expect(e.attributeSources.x).toEqual({ tier: 'default', team: 'default' });
    expect(publishedGlobalAttributes({ x: { tier: 'gold', plan: 'a' } }, c.applications())).toEqual({ x: { plan: 'a' } });
  });

  it('false and 0 are values, not gaps', () => {
    const c = new AttributeCatalog();
    c.replaceApplication('x', {
      applicationId: 'a',
      attributes: [attr('on', 'global', { type: 'boolean', default: true }), attr('n', 'tenant', { type: 'integer', default: 5 })],
      profileFields: [],
    });
    const e = resolveEffectiveProfile(layer({}, { x: { on: false } }), layer({}, { x: { n: 0 } }), c.applications(), { tenant: true });
    expect(e.attributes.x).toEqual({ on: false, n: 0 });
    expect(e.attributeSources.x).toEqual({ on: 'global', n: 'tenant' });
  });
});

describe('publishedGlobalAttributes', () => {
  it('keeps stored global values the catalogs still publish, without defaults', () => {
    expect(publishedGlobalAttributes({ crm: { region: 'emea', team: 'x', gone: 1 }, nope: { a: 1 } }, catalog().applications())).toEqual({
      crm: { region: 'emea' },
    });
  });
});

describe('projectProfile', () => {
  it('gives an application only its declared fields and its own attributes', () => {
    const c = catalog();
    const e = resolveEffectiveProfile(
      layer({ display_name: 'Ada', first_name: 'Ada', locale: 'en-GB' }, { crm: { region: 'emea' }, hr: { badge: 'B1' } }),
      layer({ display_name: 'Ada (Acme)' }, { crm: { team: 'north' } }),
      c.applications(),
      { tenant: true },
    );
    expect(projectProfile(e, c.application('crm'))).toEqual({
      fields: { display_name: 'Ada (Acme)', locale: 'en-GB' },
      attributes: { region: 'emea', tier: 'free', team: 'north', seat: 1 },
    });
    expect(projectProfile(e, c.application('hr'))).toEqual({ fields: {}, attributes: { badge: 'B1' } });
  });

  it('an application without a catalog sees nothing', () => {
    const e = resolveEffectiveProfile(layer({ display_name: 'Ada' }), undefined, [], { tenant: false });
    expect(projectProfile(e, undefined)).toEqual({ fields: {}, attributes: {} });
  });

  it('a declared field without a value is present as null', () => {
    const c = catalog();
    const e = resolveEffectiveProfile(undefined, undefined, c.applications(), { tenant: false });
    expect(projectProfile(e, c.application('crm')).fields).toEqual({ display_name: null, locale: null });
  });
});
