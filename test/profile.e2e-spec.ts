import type { LightMyRequestResponse } from 'fastify';
import { Client } from 'pg';
import { APP_ROLE } from '@user-engine/kernel';
import { del, get, signUp, type SignedIn } from './support/account';
import { registerApplication, type RegisteredApplication } from './support/internal';
import { expectProblem } from './support/problems';
import {
  countOf,
  handled,
  joinTenant,
  layerRow,
  type LayerRow,
  profileAudits,
  profileEvents,
  profileRow,
  type ProfileRow,
  signUpNamed,
  waitForProfile,
} from './support/profile';
import { addMember, createTenant, makeOperator, patch, put, tenantToken } from './support/tenancy';
import { eventually, useTestApp } from './support/test-app';

// The profile module on the real application and PostgreSQL: the global profile (created by the
// user.created reaction), tenant layers and effective profiles with their sources, application
// attributes checked against published catalogs, the profile.updated event and audit entry, the
// access rules of every route, row-level security of the layers, and the erasure reactions
// (user.deleted, membership.removed, tenant.deleted).

const T = (tenantId: string) => `/v1/tenants/${tenantId}`;
const UNKNOWN_ID = '0190a4d6-0000-7000-8000-00000000abcd';
const FIELDS = ['display_name', 'first_name', 'last_name', 'title', 'bio', 'picture_url', 'locale', 'timezone'] as const;
type Field = (typeof FIELDS)[number];
type FieldError = { path: string; message: string; rule: string };

/** What GET /v1/profile answers for a stored row. */
function globalView(row: ProfileRow) {
  return {
    user_id: row.user_id,
    display_name: row.display_name,
    first_name: row.first_name,
    last_name: row.last_name,
    bio: row.bio,
    picture_url: row.picture_url,
    locale: row.locale,
    timezone: row.timezone,
    attributes: row.attributes,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** The sources object with every field `unset` except those given. */
const sources = (given: Partial<Record<Field, 'tenant' | 'global'>> = {}) =>
  Object.fromEntries(FIELDS.map((f) => [f, given[f] ?? 'unset'])) as Record<Field, string>;

const latest = (...stamps: (Date | undefined)[]) =>
  stamps
    .filter((s): s is Date => !!s)
    .map((s) => s.toISOString())
    .sort()
    .at(-1) ?? null;

/** What GET …/profile answers: the global row overlaid by the layer, with where each value comes from. */
function effectiveView(
  tenantId: string,
  global: ProfileRow,
  layer: LayerRow | undefined,
  attributes: { values?: Record<string, Record<string, unknown>>; sources?: Record<string, Record<string, string>> } = {},
) {
  const out: Record<string, unknown> = { user_id: global.user_id, tenant_id: tenantId };
  const src: Record<string, string> = {};
  for (const f of FIELDS) {
    const own = layer?.[f] ?? null;
    const base = f === 'title' ? null : global[f];
    out[f] = own ?? base;
    src[f] = own !== null ? 'tenant' : base !== null ? 'global' : 'unset';
  }
  return {
    ...out,
    attributes: attributes.values ?? {},
    sources: src,
    attribute_sources: attributes.sources ?? {},
    updated_at: latest(global.updated_at, layer?.updated_at),
  };
}

function expectValidation(res: LightMyRequestResponse, errors: FieldError[]): void {
  const body = expectProblem(res, 400, 'KERNEL.VALIDATION_FAILED');
  expect(body.errors).toEqual(errors);
}

const err = (path: string, rule: string, message: string): FieldError => ({ path, rule, message });
const charLength = (path: string, min: number, max: number) => err(path, 'charLength', `${path} must be ${min}–${max} characters long`);
const singleLine = (path: string) => err(path, 'matches', `${path} must be a single line without control characters`);
const isString = (path: string) => err(path, 'isString', `${path} must be a string`);
const unknownField = (path: string) => err(path, 'whitelistValidation', `${path} is not a known field`);
const NOTHING_TO_CHANGE = [err('body', 'atLeastOne', 'give at least one field or attribute to change')];

describe('profile: global profiles, tenant layers, attributes and erasure', () => {
  const ctx = useTestApp();

  const me = (who: SignedIn, token = who.accessToken) => get(ctx.t, '/v1/profile', token);
  const patchMe = (who: SignedIn, body: unknown, token = who.accessToken) => patch(ctx.t, '/v1/profile', body, token);
  const mine = (tenant: string, who: SignedIn, token = who.accessToken) => get(ctx.t, `${T(tenant)}/profile`, token);
  const patchMine = (tenant: string, who: SignedIn, body: unknown, token = who.accessToken) =>
    patch(ctx.t, `${T(tenant)}/profile`, body, token);
  const memberProfile = (tenant: string, userId: string, who: SignedIn) =>
    get(ctx.t, `${T(tenant)}/members/${userId}/profile`, who.accessToken);

  /** Everything a refused write must leave alone: the user's rows, events and audit entries. */
  async function snapshot(userId: string, tenantId?: string) {
    return {
      profile: await profileRow(ctx.db, userId),
      layer: tenantId ? ((await layerRow(ctx.db, tenantId, userId)) ?? null) : null,
      events: (await profileEvents(ctx.db, userId)).length,
      audits: (await profileAudits(ctx.db, userId)).length,
    };
  }

  describe('the global profile', () => {
    let ada: SignedIn;

    beforeAll(async () => {
      ada = await signUpNamed(ctx.t, ctx.db, '  Ada\tLovelace  ');
    });

    it('user.created creates the profile with the sign-up display name (one trimmed line); GET /v1/profile answers it exactly', async () => {
      const row = await waitForProfile(ctx.db, ada.userId);
      expect(row).toEqual({
        user_id: ada.userId,
        display_name: 'Ada Lovelace',
        first_name: null,
        last_name: null,
        bio: null,
        picture_url: null,
        locale: null,
        timezone: null,
        attributes: {},
        created_at: expect.any(Date),
        updated_at: row.created_at,
      });
      // The reaction went through the inbox, once, and emitted nothing itself.
      expect(await handled(ctx.db, 'integration.profile.user-created', 'user.created', 'user_id', ada.userId)).toBe(true);
      expect(await profileEvents(ctx.db, ada.userId)).toEqual([]);

      const res = await me(ada);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(globalView(row));
    });

    it('a sign-up without a display name gives a profile without one', async () => {
      const anon = await signUpNamed(ctx.t, ctx.db, null);
      const row = await waitForProfile(ctx.db, anon.userId);
      expect(row.display_name).toBeNull();
      expect((await me(anon)).json()).toEqual(globalView(row));
    });

    it('a profile not there yet reads as empty, and the first write creates it', async () => {
      const late = await signUp(ctx.t, ctx.db);
      await waitForProfile(ctx.db, late.userId);
      await ctx.db.query(`DELETE FROM profile.profiles WHERE user_id = $1`, [late.userId]);
      const empty = await me(late);
      expect(empty.statusCode).toBe(200);
      expect(empty.json()).toEqual({
        user_id: late.userId,
        display_name: null,
        first_name: null,
        last_name: null,
        bio: null,
        picture_url: null,
        locale: null,
        timezone: null,
        attributes: {},
        created_at: null,
        updated_at: null,
      });
      const res = await patchMe(late, { first_name: 'Late' });
      expect(res.statusCode).toBe(200);
      const row = (await profileRow(ctx.db, late.userId))!;
      expect(row).toMatchObject({ first_name: 'Late', display_name: null });
      expect(res.json()).toEqual(globalView(row));
    });

    it('PATCH is a partial update: fields left out stay, values are normalised; profile.updated and the audit entry name the changes', async () => {
      await waitForProfile(ctx.db, ada.userId);
      const res = await patchMe(ada, {
        first_name: '  Ada  ',
        last_name: 'Lovelace',
        bio: 'Mathematician.\nFirst programmer.\tPoet of science.',
        picture_url: 'https://cdn.example.com/people/ada.JPEG',
        locale: 'en-gb',
        timezone: 'europe/london',
      });
      expect(res.statusCode).toBe(200);
      const row = (await profileRow(ctx.db, ada.userId))!;
      expect(row).toEqual({
        user_id: ada.userId,
        display_name: 'Ada Lovelace',
        first_name: 'Ada',
        last_name: 'Lovelace',
        bio: 'Mathematician.\nFirst programmer.\tPoet of science.',
        picture_url: 'https://cdn.example.com/people/ada.JPEG',
        locale: 'en-GB',
        timezone: 'Europe/London',
        attributes: {},
        created_at: expect.any(Date),
        updated_at: expect.any(Date),
      });
      expect(row.updated_at.getTime()).toBeGreaterThan(row.created_at.getTime());
      expect(res.json()).toEqual(globalView(row));
      expect((await me(ada)).json()).toEqual(globalView(row));

      const changes = ['first_name', 'last_name', 'bio', 'picture_url', 'locale', 'timezone'];
      expect(await profileEvents(ctx.db, ada.userId)).toEqual([
        {
          id: expect.any(String),
          type: 'profile.updated',
          version: 1,
          tenant_id: null,
          aggregate_type: 'profile',
          aggregate_id: ada.userId,
          actor: { type: 'user', id: ada.userId },
          payload: { user_id: ada.userId, tenant_id: null, layer: 'global', changes, updated_at: row.updated_at.toISOString() },
        },
      ]);
      expect(await profileAudits(ctx.db, ada.userId)).toEqual([
        {
          tenant_id: null,
          actor_type: 'user',
          actor_id: ada.userId,
          action: 'profile.updated',
          outcome: 'success',
          resource_type: 'profile',
          resource_id: ada.userId,
          ip: '127.0.0.1',
          data: { layer: 'global', changes },
        },
      ]);
    });

    it('null clears a field; only the fields that changed are named', async () => {
      const before = (await profileRow(ctx.db, ada.userId))!;
      const res = await patchMe(ada, { bio: null, display_name: 'Countess of Lovelace', last_name: 'Lovelace' });
      expect(res.statusCode).toBe(200);
      const row = (await profileRow(ctx.db, ada.userId))!;
      expect(row).toEqual({ ...before, bio: null, display_name: 'Countess of Lovelace', updated_at: expect.any(Date) });
      expect(res.json()).toEqual(globalView(row));
      const events = await profileEvents(ctx.db, ada.userId);
      expect(events.at(-1)!.payload).toEqual({
        user_id: ada.userId,
        tenant_id: null,
        layer: 'global',
        changes: ['display_name', 'bio'],
        updated_at: row.updated_at.toISOString(),
      });
      expect((await profileAudits(ctx.db, ada.userId)).at(-1)!.data).toEqual({ layer: 'global', changes: ['display_name', 'bio'] });
    });

    it('a PATCH that changes nothing (same values, other spellings of them, clearing what is clear) emits nothing', async () => {
      const before = await snapshot(ada.userId);
      const res = await patchMe(ada, {
        display_name: ' Countess of Lovelace ',
        locale: 'EN-gb',
        timezone: 'Europe/London',
        bio: null,
        picture_url: 'https://cdn.example.com/people/ada.JPEG',
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(globalView(before.profile!));
      expect(await snapshot(ada.userId)).toEqual(before);
    });

    it('accepts the bounds: 100-character names, a 500-character bio, a .jpg/.png picture with a query', async () => {
      const u = await signUp(ctx.t, ctx.db);
      await waitForProfile(ctx.db, u.userId);
      const res = await patchMe(u, {
        display_name: 'd'.repeat(100),
        first_name: 'é'.repeat(100),
        last_name: 'l'.repeat(100),
        bio: 'b'.repeat(500),
        picture_url: 'https://img.example.com/a/b.png?size=64',
        locale: 'zh-Hant-TW',
        timezone: 'America/Argentina/Buenos_Aires',
      });
      expect(res.statusCode).toBe(200);
      expect(await profileRow(ctx.db, u.userId)).toMatchObject({
        first_name: 'é'.repeat(100),
        picture_url: 'https://img.example.com/a/b.png?size=64',
        locale: 'zh-Hant-TW',
        // The user's zone is kept (ICU would answer an older alias).
        timezone: 'America/Argentina/Buenos_Aires',
      });
      expect((await patchMe(u, { picture_url: 'https://img.example.com/x.jpg' })).statusCode).toBe(200);
    });

    it('picture URLs are stored in their canonical form (any spelling a URL parser accepts is one https URL)', async () => {
      const u = await signUp(ctx.t, ctx.db);
      await waitForProfile(ctx.db, u.userId);
      for (const [given, stored] of [
        ['HTTPS://CDN.Example.com/p/Ada.PNG', 'https://cdn.example.com/p/Ada.PNG'],
        ['https:cdn.example.com/b.png', 'https://cdn.example.com/b.png'],
        ['https:\\\\cdn.example.com\\c.jpg', 'https://cdn.example.com/c.jpg'],
        ['https://cdn.example.com/with space.jpg', 'https://cdn.example.com/with%20space.jpg'],
      ]) {
        const res = await patchMe(u, { picture_url: given });
        expect({ given, status: res.statusCode }).toEqual({ given, status: 200 });
        expect(res.json<{ picture_url: string }>().picture_url).toBe(stored);
        expect((await profileRow(ctx.db, u.userId))!.picture_url).toBe(stored);
      }
      // The same URL in another spelling changes nothing.
      const events = (await profileEvents(ctx.db, u.userId)).length;
      expect((await patchMe(u, { picture_url: 'HTTPS://cdn.example.com/with%20space.jpg' })).statusCode).toBe(200);
      expect(await profileEvents(ctx.db, u.userId)).toHaveLength(events);
    });

    const long = (n: number) => 'x'.repeat(n);
    it.each<[string, unknown, FieldError[]]>([
      ['display_name empty', { display_name: '' }, [charLength('display_name', 1, 100)]],
      ['display_name only spaces', { display_name: '   ' }, [charLength('display_name', 1, 100)]],
      ['display_name of 101 characters', { display_name: long(101) }, [charLength('display_name', 1, 100)]],
      ['display_name with a line break', { display_name: 'Ada\nLovelace' }, [singleLine('display_name')]],
      ['first_name of 101 characters', { first_name: long(101) }, [charLength('first_name', 1, 100)]],
      ['first_name with a tab', { first_name: 'Ada\tB' }, [singleLine('first_name')]],
      ['last_name of 101 characters', { last_name: long(101) }, [charLength('last_name', 1, 100)]],
      ['last_name with a control character', { last_name: 'Love\u0007lace' }, [singleLine('last_name')]],
      ['bio of 501 characters', { bio: long(501) }, [charLength('bio', 1, 500)]],
      ['bio empty', { bio: '' }, [charLength('bio', 1, 500)]],
      ['bio with a control character', { bio: 'a\u001bb' }, [err('bio', 'matches', 'bio must not contain control characters')]],
      [
        'picture_url over http',
        { picture_url: 'http://cdn.example.com/a.png' },
        [err('picture_url', 'isPictureUrl', 'picture_url must be an absolute https URL')],
      ],
      [
        'picture_url of another format',
        { picture_url: 'https://cdn.example.com/a.gif' },
        [err('picture_url', 'isPictureUrl', 'picture_url must point to a jpg or png image (by its file extension)')],
      ],
      [
        'picture_url without an extension',
        { picture_url: 'https://cdn.example.com/avatar' },
        [err('picture_url', 'isPictureUrl', 'picture_url must point to a jpg or png image (by its file extension)')],
      ],
      [
        'picture_url not a URL',
        { picture_url: 'not a url' },
        [err('picture_url', 'isPictureUrl', 'picture_url must be an absolute https URL')],
      ],
      [
        'picture_url with credentials',
        { picture_url: 'https://user:secret@cdn.example.com/a.png' },
        [err('picture_url', 'isPictureUrl', 'picture_url must not carry credentials')],
      ],
      [
        'picture_url over 2048 characters',
        { picture_url: `https://cdn.example.com/${long(2030)}.png` },
        [charLength('picture_url', 1, 2048)],
      ],
      ['locale not BCP 47', { locale: 'en_GB!' }, [err('locale', 'isLocale', 'locale must be a BCP 47 language tag such as en-GB')]],
      ['locale too short', { locale: 'e' }, [charLength('locale', 2, 35)]],
      [
        'locale whose canonical form is over 35 characters',
        { locale: 'sh-u-ca-gregory-co-phonebk-nu-latn' },
        [err('locale', 'isLocale', 'locale must be a BCP 47 language tag such as en-GB')],
      ],
      [
        'picture_url whose canonical form is over 2048 characters',
        { picture_url: `https://cdn.example.com/${' '.repeat(1000)}.png` },
        [err('picture_url', 'isPictureUrl', 'picture_url must be at most 2048 characters')],
      ],

      [
        'timezone unknown',
        { timezone: 'Mars/Olympus_Mons' },
        [err('timezone', 'isTimeZone', 'timezone must be an IANA time zone name such as Europe/Paris')],
      ],
      [
        'timezone an offset',
        { timezone: '+01:00' },
        [err('timezone', 'isTimeZone', 'timezone must be an IANA time zone name such as Europe/Paris')],
      ],
      ['timezone of 65 characters', { timezone: long(65) }, [charLength('timezone', 1, 64)]],
      [
        'locale and timezone both wrong (every error at once)',
        { locale: 'xx-!!', timezone: 'Nowhere/Zone' },
        [
          err('locale', 'isLocale', 'locale must be a BCP 47 language tag such as en-GB'),
          err('timezone', 'isTimeZone', 'timezone must be an IANA time zone name such as Europe/Paris'),
        ],
      ],
      [
        'a valid field next to a wrong one (nothing is written)',
        { first_name: 'Changed', picture_url: 'ftp://cdn.example.com/a.png' },
        [err('picture_url', 'isPictureUrl', 'picture_url must be an absolute https URL')],
      ],
      ['an unknown member', { nickname: 'ada' }, [unknownField('nickname')]],
      ['title on the global profile', { title: 'Engineer' }, [unknownField('title')]],
      [
        'display_name a number',
        { display_name: 42 },
        [charLength('display_name', 1, 100), singleLine('display_name'), isString('display_name')],
      ],
      ['first_name a boolean', { first_name: true }, [charLength('first_name', 1, 100), singleLine('first_name'), isString('first_name')]],
      [
        'bio an object',
        { bio: { text: 'x' } },
        [charLength('bio', 1, 500), err('bio', 'matches', 'bio must not contain control characters'), isString('bio')],
      ],
      ['picture_url a number', { picture_url: 5 }, [charLength('picture_url', 1, 2048), isString('picture_url')]],
      ['locale an array', { locale: ['en'] }, [charLength('locale', 2, 35), isString('locale')]],
      ['timezone a number', { timezone: 1 }, [charLength('timezone', 1, 64), isString('timezone')]],
      ['attributes a string', { attributes: 'crm' }, [err('attributes', 'isObject', 'attributes must be an object')]],
      ['attributes an array', { attributes: [] }, [err('attributes', 'isObject', 'attributes must be an object')]],
      ['attributes null', { attributes: null }, [err('attributes', 'isObject', 'attributes must be an object of applications')]],
      ['an empty body (nothing to change)', {}, NOTHING_TO_CHANGE],
      ['empty attributes (nothing to change)', { attributes: {} }, NOTHING_TO_CHANGE],
    ])('refuses %s: 400 KERNEL.VALIDATION_FAILED, nothing changed', async (_name, body, errors) => {
      const before = await snapshot(ada.userId);
      expectValidation(await patchMe(ada, body), errors);
      expect(await snapshot(ada.userId)).toEqual(before);
    });

    it('a request without a body is refused like an empty one', async () => {
      const before = await snapshot(ada.userId);
      const res = await ctx.t.inject({ method: 'PATCH', url: '/v1/profile', headers: { authorization: `Bearer ${ada.accessToken}` } });
      expectValidation(res, NOTHING_TO_CHANGE);
      expect(await snapshot(ada.userId)).toEqual(before);
    });

    it('a tenant-scoped token may read the profile (allowed) but not change it (403 AUTHZ.TENANT_TOKEN)', async () => {
      const tenant = await createTenant(ctx.t, ada);
      const scoped = await tenantToken(ctx.t, ada, tenant);
      const before = await snapshot(ada.userId);
      const read = await me(ada, scoped);
      expect(read.statusCode).toBe(200);
      expect(read.json()).toEqual(globalView(before.profile!));
      const refused = expectProblem(await patchMe(ada, { first_name: 'Scoped' }, scoped), 403, 'AUTHZ.TENANT_TOKEN');
      expect(refused.reason).toBe('tenant_scoped_token');
      expect(await snapshot(ada.userId)).toEqual(before);
    });

    it('anonymous and bad tokens → 401', async () => {
      expectProblem(await get(ctx.t, '/v1/profile'), 401, 'AUTH.UNAUTHENTICATED');
      expectProblem(await patch(ctx.t, '/v1/profile', { first_name: 'Anon' }), 401, 'AUTH.UNAUTHENTICATED');
      expect((await get(ctx.t, '/v1/profile', 'not-a-token')).statusCode).toBe(401);
    });
  });

  describe('tenant layers and effective profiles', () => {
    let owner: SignedIn;
    let admin: SignedIn;
    let editor: SignedIn;
    let viewer: SignedIn;
    let outsider: SignedIn;
    let ownerB: SignedIn;
    let tenant: string;
    let tenantB: string;

    beforeAll(async () => {
      owner = await signUpNamed(ctx.t, ctx.db, 'Olivia Owner');
      ownerB = await signUp(ctx.t, ctx.db);
      outsider = await signUp(ctx.t, ctx.db);
      tenant = await createTenant(ctx.t, owner, 'Acme');
      tenantB = await createTenant(ctx.t, ownerB, 'Beta');
      admin = await addMember(ctx.t, ctx.db, tenant, owner, ['admin']);
      editor = await addMember(ctx.t, ctx.db, tenant, owner, ['editor']);
      viewer = await addMember(ctx.t, ctx.db, tenant, owner, ['viewer']);
      // The viewer of A is also a member of B.
      await joinTenant(ctx.t, ctx.db, tenantB, ownerB, viewer, ['viewer']);
      for (const u of [owner, ownerB, outsider, admin, editor, viewer]) await waitForProfile(ctx.db, u.userId);
      expect((await patchMe(viewer, { display_name: 'Vera Viewer', first_name: 'Vera', timezone: 'Europe/Paris' })).statusCode).toBe(200);
    });

    it('without a layer, the effective profile is the global one (sources global or unset)', async () => {
      const global = (await profileRow(ctx.db, viewer.userId))!;
      const res = await mine(tenant, viewer);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        user_id: viewer.userId,
        tenant_id: tenant,
        display_name: 'Vera Viewer',
        first_name: 'Vera',
        last_name: null,
        title: null,
        bio: null,
        picture_url: null,
        locale: null,
        timezone: 'Europe/Paris',
        attributes: {},
        sources: sources({ display_name: 'global', first_name: 'global', timezone: 'global' }),
        attribute_sources: {},
        updated_at: global.updated_at.toISOString(),
      });
      expect(await layerRow(ctx.db, tenant, viewer.userId)).toBeUndefined();
    });

    it('PATCH T/profile writes overrides; GET answers the effective profile; profile.updated (tenant) and the audit entry in the tenant', async () => {
      const before = await snapshot(viewer.userId);
      const res = await patchMine(tenant, viewer, { display_name: 'Vera at Acme', title: ' Head of Sales ', locale: 'fr-fr' });
      expect(res.statusCode).toBe(200);
      const layer = (await layerRow(ctx.db, tenant, viewer.userId))!;
      expect(layer).toEqual({
        tenant_id: tenant,
        user_id: viewer.userId,
        display_name: 'Vera at Acme',
        first_name: null,
        last_name: null,
        title: 'Head of Sales',
        bio: null,
        picture_url: null,
        locale: 'fr-FR',
        timezone: null,
        attributes: {},
        created_at: expect.any(Date),
        updated_at: expect.any(Date),
      });
      const global = (await profileRow(ctx.db, viewer.userId))!;
      expect(global).toEqual(before.profile); // the global profile is untouched
      const expected = {
        user_id: viewer.userId,
        tenant_id: tenant,
        display_name: 'Vera at Acme',
        first_name: 'Vera',
        last_name: null,
        title: 'Head of Sales',
        bio: null,
        picture_url: null,
        locale: 'fr-FR',
        timezone: 'Europe/Paris',
        attributes: {},
        sources: sources({ display_name: 'tenant', first_name: 'global', title: 'tenant', locale: 'tenant', timezone: 'global' }),
        attribute_sources: {},
        updated_at: layer.updated_at.toISOString(),
      };
      expect(res.json()).toEqual(expected);
      expect(effectiveView(tenant, global, layer)).toEqual(expected);
      expect((await mine(tenant, viewer)).json()).toEqual(expected);

      const changes = ['display_name', 'title', 'locale'];
      const events = await profileEvents(ctx.db, viewer.userId);
      expect(events).toHaveLength(before.events + 1);
      expect(events.at(-1)).toEqual({
        id: expect.any(String),
        type: 'profile.updated',
        version: 1,
        tenant_id: tenant,
        aggregate_type: 'profile',
        aggregate_id: viewer.userId,
        actor: { type: 'user', id: viewer.userId },
        payload: { user_id: viewer.userId, tenant_id: tenant, layer: 'tenant', changes, updated_at: layer.updated_at.toISOString() },
      });
      expect((await profileAudits(ctx.db, viewer.userId)).at(-1)).toEqual({
        tenant_id: tenant,
        actor_type: 'user',
        actor_id: viewer.userId,
        action: 'profile.updated',
        outcome: 'success',
        resource_type: 'profile',
        resource_id: viewer.userId,
        ip: '127.0.0.1',
        data: { layer: 'tenant', changes },
      });
    });

    it('the layer of tenant A is not visible in tenant B (B shows the global profile)', async () => {
      const global = (await profileRow(ctx.db, viewer.userId))!;
      const res = await mine(tenantB, viewer);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(effectiveView(tenantB, global, undefined));
      expect(res.json<{ display_name: string; title: null }>()).toMatchObject({ display_name: 'Vera Viewer', title: null });
    });

    it('a global change shows through where the layer has no override, not where it has one', async () => {
      expect((await patchMe(viewer, { last_name: 'Vance', display_name: 'V. Vance' })).statusCode).toBe(200);
      const global = (await profileRow(ctx.db, viewer.userId))!;
      const layer = (await layerRow(ctx.db, tenant, viewer.userId))!;
      const res = await mine(tenant, viewer);
      expect(res.json()).toEqual(effectiveView(tenant, global, layer));
      expect(res.json<Record<string, unknown>>()).toMatchObject({ display_name: 'Vera at Acme', last_name: 'Vance' });
      expect(res.json<{ sources: Record<string, string> }>().sources).toMatchObject({ display_name: 'tenant', last_name: 'global' });
    });

    it('null removes an override (the global value shows again); the layer keeps the others', async () => {
      const res = await patchMine(tenant, viewer, { display_name: null });
      expect(res.statusCode).toBe(200);
      const layer = (await layerRow(ctx.db, tenant, viewer.userId))!;
      expect(layer).toMatchObject({ display_name: null, title: 'Head of Sales', locale: 'fr-FR' });
      const global = (await profileRow(ctx.db, viewer.userId))!;
      expect(res.json()).toEqual(effectiveView(tenant, global, layer));
      expect(res.json<Record<string, unknown>>()).toMatchObject({ display_name: 'V. Vance' });
      expect(res.json<{ sources: Record<string, string> }>().sources.display_name).toBe('global');
      expect((await profileEvents(ctx.db, viewer.userId)).at(-1)!.payload).toEqual({
        user_id: viewer.userId,
        tenant_id: tenant,
        layer: 'tenant',
        changes: ['display_name'],
        updated_at: layer.updated_at.toISOString(),
      });
    });

    it('a tenant PATCH that changes nothing emits nothing', async () => {
      const before = await snapshot(viewer.userId, tenant);
      const res = await patchMine(tenant, viewer, { title: 'Head of Sales', locale: 'FR-fr', display_name: null, bio: null });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(effectiveView(tenant, before.profile!, before.layer!));
      expect(await snapshot(viewer.userId, tenant)).toEqual(before);
    });

    it('clearing a field of a member without a layer stores no (empty) layer and emits nothing', async () => {
      const before = await snapshot(editor.userId, tenant);
      expect(before.layer).toBeNull();
      const res = await patchMine(tenant, editor, { title: null });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(effectiveView(tenant, before.profile!, undefined));
      expect(await snapshot(editor.userId, tenant)).toEqual(before);
    });

    it('removing the last override removes the layer itself', async () => {
      const res = await patchMine(tenant, viewer, { title: null, locale: null });
      expect(res.statusCode).toBe(200);
      expect(await layerRow(ctx.db, tenant, viewer.userId)).toBeUndefined();
      const global = (await profileRow(ctx.db, viewer.userId))!;
      expect(res.json()).toEqual(effectiveView(tenant, global, undefined));
      expect((await profileEvents(ctx.db, viewer.userId)).at(-1)!.payload).toMatchObject({ layer: 'tenant', changes: ['title', 'locale'] });
      // The layer is written again from nothing.
      expect((await patchMine(tenant, viewer, { title: 'Head of Sales', bio: 'At Acme since 2020.' })).statusCode).toBe(200);
      expect(await layerRow(ctx.db, tenant, viewer.userId)).toMatchObject({ title: 'Head of Sales', bio: 'At Acme since 2020.' });
    });

    it.each<[string, unknown, FieldError[]]>([
      ['title of 101 characters', { title: 'x'.repeat(101) }, [charLength('title', 1, 100)]],
      ['title only spaces', { title: '  ' }, [charLength('title', 1, 100)]],
      ['title with a line break', { title: 'Head\nof Sales' }, [singleLine('title')]],
      ['title a number', { title: 7 }, [charLength('title', 1, 100), singleLine('title'), isString('title')]],
      ['display_name of 101 characters', { display_name: 'x'.repeat(101) }, [charLength('display_name', 1, 100)]],
      ['an unknown member', { role: 'boss' }, [unknownField('role')]],
      ['a tenant_id in the body', { tenant_id: UNKNOWN_ID, title: 'x' }, [unknownField('tenant_id')]],
      [
        'timezone unknown',
        { timezone: 'Atlantis/Capital' },
        [err('timezone', 'isTimeZone', 'timezone must be an IANA time zone name such as Europe/Paris')],
      ],
      ['an empty body', {}, NOTHING_TO_CHANGE],
    ])('T/profile refuses %s: 400, layer and events unchanged', async (_name, body, errors) => {
      const before = await snapshot(viewer.userId, tenant);
      expectValidation(await patchMine(tenant, viewer, body), errors);
      expect(await snapshot(viewer.userId, tenant)).toEqual(before);
    });

    it('a non-member cannot read or write a layer: 404 TENANCY.NOT_FOUND (the tenant is not revealed); nothing stored', async () => {
      expectProblem(await mine(tenant, outsider), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await patchMine(tenant, outsider, { title: 'Intruder' }), 404, 'TENANCY.NOT_FOUND');
      expect(await countOf(ctx.db, `profile.tenant_layers WHERE user_id = $1`, [outsider.userId])).toBe(0);
      expect(await profileEvents(ctx.db, outsider.userId)).toEqual([]);
      // A tenant that does not exist reads the same.
      expectProblem(await mine(UNKNOWN_ID, outsider), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await patchMine(UNKNOWN_ID, outsider, { title: 'x' }), 404, 'TENANCY.NOT_FOUND');
    });

    it('non-uuid tenant ids → 400 at tenant_id; anonymous → 401', async () => {
      const bad = [err('tenant_id', 'isUuid', 'tenant_id must be a UUID')];
      expectValidation(await get(ctx.t, `${T('not-a-uuid')}/profile`, viewer.accessToken), bad);
      expectValidation(await patch(ctx.t, `${T('not-a-uuid')}/profile`, { title: 'x' }, viewer.accessToken), bad);
      expectProblem(await get(ctx.t, `${T(tenant)}/profile`), 401, 'AUTH.UNAUTHENTICATED');
      expectProblem(await patch(ctx.t, `${T(tenant)}/profile`, { title: 'x' }), 401, 'AUTH.UNAUTHENTICATED');
      expectProblem(await get(ctx.t, `${T(tenant)}/members/${viewer.userId}/profile`), 401, 'AUTH.UNAUTHENTICATED');
    });

    it('a tenant token works in its tenant (read and write) and not in another (403 AUTHZ.TENANT_MISMATCH)', async () => {
      const scoped = await tenantToken(ctx.t, viewer, tenant);
      expect((await mine(tenant, viewer, scoped)).statusCode).toBe(200);
      const written = await patchMine(tenant, viewer, { first_name: 'Vee' }, scoped);
      expect(written.statusCode).toBe(200);
      expect(await layerRow(ctx.db, tenant, viewer.userId)).toMatchObject({ first_name: 'Vee' });
      const before = await snapshot(viewer.userId, tenantB);
      expectProblem(await mine(tenantB, viewer, scoped), 403, 'AUTHZ.TENANT_MISMATCH');
      expectProblem(await patchMine(tenantB, viewer, { title: 'x' }, scoped), 403, 'AUTHZ.TENANT_MISMATCH');
      expect(await snapshot(viewer.userId, tenantB)).toEqual(before);
    });

    it("admins and owners (profile:read) read a member's effective profile — this tenant's layer only", async () => {
      // The viewer also has a layer in B, which A's admins must not see.
      expect((await patchMine(tenantB, viewer, { title: 'Consultant at Beta' })).statusCode).toBe(200);
      const global = (await profileRow(ctx.db, viewer.userId))!;
      const layer = (await layerRow(ctx.db, tenant, viewer.userId))!;
      const expected = effectiveView(tenant, global, layer);
      for (const who of [admin, owner]) {
        const res = await memberProfile(tenant, viewer.userId, who);
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual(expected);
      }
      expect((await mine(tenant, viewer)).json()).toEqual(expected);
      // Upper-case ids name the same member.
      expect((await memberProfile(tenant, viewer.userId.toUpperCase(), admin)).json()).toEqual(expected);
      // An admin reads their own entry too, and owners' (no layer: the global profile).
      const ownerRes = await memberProfile(tenant, owner.userId, admin);
      expect(ownerRes.json()).toEqual(effectiveView(tenant, (await profileRow(ctx.db, owner.userId))!, undefined));
      expect(ownerRes.json<{ display_name: string }>().display_name).toBe('Olivia Owner');
    });

    it('viewers and editors may not (403 AUTHZ.FORBIDDEN, missing_permission profile:read)', async () => {
      for (const who of [viewer, editor]) {
        const body = expectProblem(await memberProfile(tenant, owner.userId, who), 403, 'AUTHZ.FORBIDDEN');
        expect(body).toMatchObject({ reason: 'missing_permission', permission: 'profile:read' });
      }
      // Not even their own entry: the route is for profile:read holders (members use T/profile).
      expectProblem(await memberProfile(tenant, viewer.userId, viewer), 403, 'AUTHZ.FORBIDDEN');
      expectProblem(await memberProfile(tenant, viewer.userId, outsider), 404, 'TENANCY.NOT_FOUND');
    });

    it("A's admin cannot reach a member of B through A's URL (404 TENANCY.MEMBER_NOT_FOUND); unknown and non-uuid ids", async () => {
      expectProblem(await memberProfile(tenant, ownerB.userId, admin), 404, 'TENANCY.MEMBER_NOT_FOUND');
      expectProblem(await memberProfile(tenant, outsider.userId, admin), 404, 'TENANCY.MEMBER_NOT_FOUND');
      expectProblem(await memberProfile(tenant, UNKNOWN_ID, owner), 404, 'TENANCY.MEMBER_NOT_FOUND');
      // ownerB reads the viewer in B (B's layer), not in A through B.
      const inB = await memberProfile(tenantB, viewer.userId, ownerB);
      expect(inB.statusCode).toBe(200);
      expect(inB.json<{ title: string; tenant_id: string }>()).toMatchObject({ title: 'Consultant at Beta', tenant_id: tenantB });
      expectProblem(await memberProfile(tenant, viewer.userId, ownerB), 404, 'TENANCY.NOT_FOUND');
      expectValidation(await memberProfile(tenant, 'not-a-uuid', admin), [err('user_id', 'isUuid', 'user_id must be a UUID')]);
      expectValidation(await get(ctx.t, `${T('nope')}/members/${viewer.userId}/profile`, admin.accessToken), [
        err('tenant_id', 'isUuid', 'tenant_id must be a UUID'),
      ]);
    });

    describe('row-level security of profile.tenant_layers, as the application role', () => {
      let app: Client;

      beforeAll(async () => {
        app = new Client({ connectionString: ctx.db.appRoleUrl });
        app.on('error', () => undefined); // the suite's database is dropped (WITH FORCE) at the end
        await app.connect();
      });
      afterAll(() => app?.end());

      /** Runs `work` in one rolled-back transaction of the app role, scoped to `tenantId` (none when null). */
      async function inTenant<R>(tenantId: string | null, work: () => Promise<R>): Promise<R> {
        await app.query('BEGIN');
        try {
          if (tenantId) await app.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
          return await work();
        } finally {
          await app.query('ROLLBACK');
        }
      }

      it("B's scope sees exactly B's layers, none of A's by any predicate; no scope sees none", async () => {
        expect((await app.query(`SELECT current_user AS who`)).rows).toEqual([{ who: APP_ROLE }]);
        const owned = await ctx.db.query<{ tenant_id: string; user_id: string }>(
          `SELECT tenant_id, user_id FROM profile.tenant_layers WHERE tenant_id = ANY($1) ORDER BY tenant_id, user_id`,
          [[tenant, tenantB]],
        );
        expect(owned.filter((r) => r.tenant_id === tenant).length).toBeGreaterThan(0);
        expect(owned.filter((r) => r.tenant_id === tenantB)).toEqual([{ tenant_id: tenantB, user_id: viewer.userId }]);

        const inB = await inTenant(tenantB, async () => (await app.query(`SELECT tenant_id, user_id FROM profile.tenant_layers`)).rows);
        expect(inB).toEqual([{ tenant_id: tenantB, user_id: viewer.userId }]);
        const aFromB = await inTenant(
          tenantB,
          async () =>
            (await app.query(`SELECT * FROM profile.tenant_layers WHERE tenant_id = $1 OR user_id = $2`, [tenant, admin.userId])).rows,
        );
        expect(aFromB).toEqual([]);
        const unscoped = await inTenant(null, async () => (await app.query(`SELECT * FROM profile.tenant_layers`)).rows);
        expect(unscoped).toEqual([]);
      });

      it("B's scope cannot write, change or delete a layer of A", async () => {
        const before = await layerRow(ctx.db, tenant, viewer.userId);
        await expect(
          inTenant(tenantB, () =>
            app.query(`INSERT INTO profile.tenant_layers (tenant_id, user_id, title) VALUES ($1, $2, 'x')`, [tenant, editor.userId]),
          ),
        ).rejects.toMatchObject({ code: '42501' });
        const touched = await inTenant(tenantB, async () => {
          const updated = await app.query(`UPDATE profile.tenant_layers SET title = 'x' WHERE tenant_id = $1`, [tenant]);
          const deleted = await app.query(`DELETE FROM profile.tenant_layers WHERE tenant_id = $1`, [tenant]);
          return [updated.rowCount, deleted.rowCount];
        });
        expect(touched).toEqual([0, 0]);
        expect(await layerRow(ctx.db, tenant, viewer.userId)).toEqual(before);
      });
    });
  });

  describe('application attributes', () => {
    let operator: SignedIn;
    let owner: SignedIn;
    let member: SignedIn;
    let tenant: string;
    let tenantB: string;
    let crm: RegisteredApplication;
    let uncatalogued: RegisteredApplication;

    beforeAll(async () => {
      operator = await signUp(ctx.t, ctx.db);
      await makeOperator(ctx.db, operator);
      owner = await signUp(ctx.t, ctx.db);
      tenant = await createTenant(ctx.t, owner, 'Attr A');
      tenantB = await createTenant(ctx.t, owner, 'Attr B');
      member = await addMember(ctx.t, ctx.db, tenant, owner, ['editor']);
      await waitForProfile(ctx.db, member.userId);
      crm = await registerApplication(ctx.t, operator);
      uncatalogued = await registerApplication(ctx.t, operator);
      const published = await put(
        ctx.t,
        `/v1/applications/${crm.id}/catalog`,
        {
          permissions: [{ key: `${crm.key}:deals.read`, description: 'Read deals', default_role: 'viewer' }],
          attributes: [
            { key: 'region', type: 'string', scope: 'global', constraints: { enum: ['emea', 'amer', 'apac'] }, default: 'emea' },
            { key: 'nickname', type: 'string', scope: 'global', constraints: { min_length: 2, max_length: 8, pattern: '^[a-z]+$' } },
            { key: 'score', type: 'integer', scope: 'global', constraints: { minimum: 0, maximum: 10 } },
            { key: 'ratio', type: 'number', scope: 'global', constraints: { minimum: 0, maximum: 1 } },
            { key: 'beta', type: 'boolean', scope: 'global', default: false },
            { key: 'seat', type: 'string', scope: 'tenant', constraints: { enum: ['a', 'b'] }, default: 'a' },
            { key: 'quota', type: 'integer', scope: 'tenant', constraints: { minimum: 1 } },
          ],
          profile_fields: ['display_name'],
        },
        operator.accessToken,
      );
      expect(published.statusCode).toBe(201);
      // Another member of B, also for the effective profile in B.
      await joinTenant(ctx.t, ctx.db, tenantB, owner, member, ['viewer']);
    });

    const attrs = (values: Record<string, unknown>) => ({ attributes: { [crm.key]: values } });
    const DEFAULTS = () => ({
      values: { [crm.key]: { region: 'emea', beta: false, seat: 'a' } },
      sources: { [crm.key]: { region: 'default', beta: 'default', seat: 'default' } },
    });

    it('before any write: the global profile shows no attributes, the effective profile the defaults (source default)', async () => {
      const global = (await profileRow(ctx.db, member.userId))!;
      expect((await me(member)).json()).toEqual(globalView(global));
      expect((await me(member)).json<{ attributes: unknown }>().attributes).toEqual({});
      expect((await mine(tenant, member)).json()).toEqual(effectiveView(tenant, global, undefined, DEFAULTS()));
    });

    it('PATCH /v1/profile writes global attributes; GET answers them; the event names them', async () => {
      const res = await patchMe(member, { first_name: 'Max', ...attrs({ region: 'apac', score: 7, nickname: 'max', ratio: 0.25 }) });
      expect(res.statusCode).toBe(200);
      const row = (await profileRow(ctx.db, member.userId))!;
      expect(row.attributes).toEqual({ [crm.key]: { region: 'apac', score: 7, nickname: 'max', ratio: 0.25 } });
      expect(row.first_name).toBe('Max');
      expect(res.json()).toEqual(globalView(row));
      expect((await me(member)).json()).toEqual(globalView(row));
      expect((await profileEvents(ctx.db, member.userId)).at(-1)!.payload).toEqual({
        user_id: member.userId,
        tenant_id: null,
        layer: 'global',
        changes: ['first_name', ...['region', 'score', 'nickname', 'ratio'].map((k) => `attributes.${crm.key}.${k}`)],
        updated_at: row.updated_at.toISOString(),
      });
      // Inside a tenant they come from the global profile; the rest stay defaults.
      expect((await mine(tenant, member)).json()).toEqual(
        effectiveView(tenant, row, undefined, {
          values: { [crm.key]: { region: 'apac', score: 7, nickname: 'max', ratio: 0.25, beta: false, seat: 'a' } },
          sources: {
            [crm.key]: { region: 'global', score: 'global', nickname: 'global', ratio: 'global', beta: 'default', seat: 'default' },
          },
        }),
      );
    });

    it('writing the same values or clearing an unset attribute emits nothing', async () => {
      const before = await snapshot(member.userId);
      const res = await patchMe(member, attrs({ region: 'apac', score: 7, beta: null }));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(globalView(before.profile!));
      expect(await snapshot(member.userId)).toEqual(before);
    });

    it('null clears an attribute (the default shows again); an application left with none disappears from the row', async () => {
      let res = await patchMe(member, attrs({ region: null, score: null }));
      expect(res.statusCode).toBe(200);
      let row = (await profileRow(ctx.db, member.userId))!;
      expect(row.attributes).toEqual({ [crm.key]: { nickname: 'max', ratio: 0.25 } });
      expect(res.json()).toEqual(globalView(row));
      expect((await profileEvents(ctx.db, member.userId)).at(-1)!.payload.changes).toEqual([
        `attributes.${crm.key}.region`,
        `attributes.${crm.key}.score`,
      ]);
      expect((await mine(tenant, member)).json<{ attribute_sources: unknown }>().attribute_sources).toEqual({
        [crm.key]: { region: 'default', nickname: 'global', ratio: 'global', beta: 'default', seat: 'default' },
      });
      res = await patchMe(member, attrs({ nickname: null, ratio: null }));
      expect(res.statusCode).toBe(200);
      row = (await profileRow(ctx.db, member.userId))!;
      expect(row.attributes).toEqual({});
      // A boolean false is a value like any other.
      expect((await patchMe(member, attrs({ beta: false, region: 'amer' }))).statusCode).toBe(200);
      expect((await profileRow(ctx.db, member.userId))!.attributes).toEqual({ [crm.key]: { beta: false, region: 'amer' } });
    });

    const at = (k: string) => `attributes.${crm.key}.${k}`;
    const value = (k: string, problem: string) => err(at(k), 'attributeValue', `${at(k)} ${problem}`);
    it.each<[string, () => Record<string, unknown>, () => FieldError[]]>([
      ['a string outside its enum', () => attrs({ region: 'mars' }), () => [value('region', 'must be one of emea, amer, apac')]],
      ['a number for a string', () => attrs({ region: 5 }), () => [value('region', 'must be a string')]],
      ['a string below min_length', () => attrs({ nickname: 'a' }), () => [value('nickname', 'must be at least 2 characters')]],
      ['a string above max_length', () => attrs({ nickname: 'abcdefghi' }), () => [value('nickname', 'must be at most 8 characters')]],
      ['a string not matching the pattern', () => attrs({ nickname: 'Max1' }), () => [value('nickname', 'must match ^[a-z]+$')]],
      ['an integer above the maximum', () => attrs({ score: 11 }), () => [value('score', 'must be at most 10')]],
      ['an integer below the minimum', () => attrs({ score: -1 }), () => [value('score', 'must be at least 0')]],
      ['a fraction for an integer', () => attrs({ score: 1.5 }), () => [value('score', 'must be an integer')]],
      ['a numeric string for an integer', () => attrs({ score: '5' }), () => [value('score', 'must be a number')]],
      ['a number above the maximum', () => attrs({ ratio: 1.01 }), () => [value('ratio', 'must be at most 1')]],
      ['a string for a boolean', () => attrs({ beta: 'yes' }), () => [value('beta', 'must be a boolean')]],
      ['an object for a value', () => attrs({ region: { v: 'emea' } }), () => [value('region', 'must be a string')]],
      ['an array for a value', () => attrs({ beta: [true] }), () => [value('beta', 'must be a boolean')]],
      [
        'an unknown application',
        () => ({ attributes: { nosuchapp: { region: 'emea' } } }),
        () => [err('attributes.nosuchapp', 'unknownApplication', 'no application publishes profile attributes as "nosuchapp"')],
      ],
      [
        'an application without a catalog',
        () => ({ attributes: { [uncatalogued.key]: { region: 'emea' } } }),
        () => [
          err(
            `attributes.${uncatalogued.key}`,
            'unknownApplication',
            `no application publishes profile attributes as "${uncatalogued.key}"`,
          ),
        ],
      ],
      [
        'an unknown attribute',
        () => attrs({ shoe_size: 42 }),
        () => [err(at('shoe_size'), 'unknownAttribute', `${crm.key} publishes no attribute "shoe_size"`)],
      ],
      [
        "an application's values not an object",
        () => ({ attributes: { [crm.key]: 'apac' } }),
        () => [err(`attributes.${crm.key}`, 'isObject', `attributes.${crm.key} must be an object of attributes`)],
      ],
      [
        'a tenant-scoped attribute through /v1/profile',
        () => attrs({ seat: 'a' }),
        () => [
          err(at('seat'), 'attributeScope', `${crm.key}.seat is tenant-scoped: write it through PATCH /v1/tenants/{tenant_id}/profile`),
        ],
      ],
      [
        'every error at once, next to a valid value (nothing is written)',
        () => ({ attributes: { [crm.key]: { region: 'apac', score: 99, quota: 2 }, nosuchapp: { x: 1 } } }),
        () => [
          value('score', 'must be at most 10'),
          err(at('quota'), 'attributeScope', `${crm.key}.quota is tenant-scoped: write it through PATCH /v1/tenants/{tenant_id}/profile`),
          err('attributes.nosuchapp', 'unknownApplication', 'no application publishes profile attributes as "nosuchapp"'),
        ],
      ],
      [
        'a wrong field and a wrong attribute (fields first)',
        () => ({ locale: 'en_GB!', ...attrs({ score: 'x' }) }),
        () => [err('locale', 'isLocale', 'locale must be a BCP 47 language tag such as en-GB'), value('score', 'must be a number')],
      ],
      [
        'more than 200 attributes in one request',
        () => attrs(Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`a${i}`, i]))),
        () => [err('attributes', 'maxSize', 'at most 200 attributes per request')],
      ],
    ])('PATCH /v1/profile refuses %s: 400, nothing changed', async (_name, body, errors) => {
      const before = await snapshot(member.userId);
      expectValidation(await patchMe(member, body()), errors());
      expect(await snapshot(member.userId)).toEqual(before);
    });

    it('PATCH T/profile writes tenant attributes (source tenant), only in that tenant; null falls back to the default', async () => {
      const res = await patchMine(tenant, member, { title: 'Rep', ...attrs({ seat: 'b', quota: 3 }) });
      expect(res.statusCode).toBe(200);
      const layer = (await layerRow(ctx.db, tenant, member.userId))!;
      expect(layer).toMatchObject({ title: 'Rep', attributes: { [crm.key]: { seat: 'b', quota: 3 } } });
      const global = (await profileRow(ctx.db, member.userId))!;
      const expected = effectiveView(tenant, global, layer, {
        values: { [crm.key]: { region: 'amer', beta: false, seat: 'b', quota: 3 } },
        sources: { [crm.key]: { region: 'global', beta: 'global', seat: 'tenant', quota: 'tenant' } },
      });
      expect(res.json()).toEqual(expected);
      expect((await mine(tenant, member)).json()).toEqual(expected);
      expect((await memberProfile(tenant, member.userId, owner)).json()).toEqual(expected);
      expect((await profileEvents(ctx.db, member.userId)).at(-1)!.payload).toEqual({
        user_id: member.userId,
        tenant_id: tenant,
        layer: 'tenant',
        changes: ['title', `attributes.${crm.key}.seat`, `attributes.${crm.key}.quota`],
        updated_at: layer.updated_at.toISOString(),
      });
      // The global profile never shows tenant attributes; tenant B shows B's (the defaults).
      expect((await me(member)).json()).toEqual(globalView(global));
      expect((await mine(tenantB, member)).json()).toEqual(
        effectiveView(tenantB, global, undefined, {
          values: { [crm.key]: { region: 'amer', beta: false, seat: 'a' } },
          sources: { [crm.key]: { region: 'global', beta: 'global', seat: 'default' } },
        }),
      );

      const cleared = await patchMine(tenant, member, attrs({ seat: null }));
      expect(cleared.statusCode).toBe(200);
      expect((await layerRow(ctx.db, tenant, member.userId))!.attributes).toEqual({ [crm.key]: { quota: 3 } });
      expect(cleared.json<{ attributes: unknown; attribute_sources: unknown }>()).toMatchObject({
        attributes: { [crm.key]: { region: 'amer', beta: false, seat: 'a', quota: 3 } },
        attribute_sources: { [crm.key]: { region: 'global', beta: 'global', seat: 'default', quota: 'tenant' } },
      });
    });

    it('a layer holding only attributes is removed with its last value', async () => {
      expect((await patchMine(tenantB, member, attrs({ quota: 9 }))).statusCode).toBe(200);
      expect(await layerRow(ctx.db, tenantB, member.userId)).toMatchObject({ title: null, attributes: { [crm.key]: { quota: 9 } } });
      expect((await patchMine(tenantB, member, attrs({ quota: null }))).statusCode).toBe(200);
      expect(await layerRow(ctx.db, tenantB, member.userId)).toBeUndefined();
    });

    it.each<[string, () => Record<string, unknown>, () => FieldError[]]>([
      [
        'a global attribute through T/profile',
        () => attrs({ region: 'emea' }),
        () => [err(at('region'), 'attributeScope', `${crm.key}.region is global: write it through PATCH /v1/profile`)],
      ],
      ['a tenant attribute outside its enum', () => attrs({ seat: 'c' }), () => [value('seat', 'must be one of a, b')]],
      ['a tenant attribute below its minimum', () => attrs({ quota: 0 }), () => [value('quota', 'must be at least 1')]],
      ['a tenant attribute of the wrong type', () => attrs({ quota: true }), () => [value('quota', 'must be a number')]],
      [
        'an unknown tenant attribute',
        () => attrs({ desk: 'x' }),
        () => [err(at('desk'), 'unknownAttribute', `${crm.key} publishes no attribute "desk"`)],
      ],
      [
        'an unknown application',
        () => ({ attributes: { nosuchapp: { seat: 'a' } } }),
        () => [err('attributes.nosuchapp', 'unknownApplication', 'no application publishes profile attributes as "nosuchapp"')],
      ],
    ])('PATCH T/profile refuses %s: 400, layer unchanged', async (_name, body, errors) => {
      const before = await snapshot(member.userId, tenant);
      expectValidation(await patchMine(tenant, member, body()), errors());
      expect(await snapshot(member.userId, tenant)).toEqual(before);
    });
  });

  describe('erasure reactions', () => {
    it('user.deleted erases the profile and every tenant layer of the user, and nobody else’s', async () => {
      const owner = await signUp(ctx.t, ctx.db);
      const otherOwner = await signUp(ctx.t, ctx.db);
      const a = await createTenant(ctx.t, owner, 'Erase A');
      const b = await createTenant(ctx.t, otherOwner, 'Erase B');
      const leaving = await addMember(ctx.t, ctx.db, a, owner, ['admin']);
      await joinTenant(ctx.t, ctx.db, b, otherOwner, leaving, ['viewer']);
      await waitForProfile(ctx.db, leaving.userId);
      await waitForProfile(ctx.db, owner.userId);
      expect((await patchMe(leaving, { first_name: 'Gone', bio: 'Soon erased.' })).statusCode).toBe(200);
      expect((await patchMine(a, leaving, { title: 'Admin in A' })).statusCode).toBe(200);
      expect((await patchMine(b, leaving, { title: 'Viewer in B' })).statusCode).toBe(200);
      expect((await patchMine(a, owner, { title: 'Owner in A' })).statusCode).toBe(200);
      expect(await countOf(ctx.db, `profile.tenant_layers WHERE user_id = $1`, [leaving.userId])).toBe(2);

      expect((await del(ctx.t, '/v1/me', leaving.accessToken)).statusCode).toBe(204);
      await eventually(
        () => handled(ctx.db, 'integration.profile.user-deleted', 'user.deleted', 'user_id', leaving.userId),
        15_000,
        'the user.deleted reaction',
      );
      expect(await countOf(ctx.db, `profile.profiles WHERE user_id = $1`, [leaving.userId])).toBe(0);
      expect(await countOf(ctx.db, `profile.tenant_layers WHERE user_id = $1`, [leaving.userId])).toBe(0);
      // Tenancy removes the memberships too: the owner finds no member (and no profile) any more.
      await eventually(async () => (await memberProfile(a, leaving.userId, owner)).statusCode === 404, 15_000, 'the membership removal');
      expectProblem(await memberProfile(a, leaving.userId, owner), 404, 'TENANCY.MEMBER_NOT_FOUND');
      expect(await countOf(ctx.db, `profile.tenant_layers WHERE user_id = $1`, [leaving.userId])).toBe(0);
      // Other users keep theirs.
      expect(await profileRow(ctx.db, owner.userId)).toBeDefined();
      expect(await layerRow(ctx.db, a, owner.userId)).toMatchObject({ title: 'Owner in A' });
    });

    it("membership.removed removes that member's layer in that tenant only; leaving does too", async () => {
      const owner = await signUp(ctx.t, ctx.db);
      const a = await createTenant(ctx.t, owner, 'Remove A');
      const b = await createTenant(ctx.t, owner, 'Remove B');
      const removed = await addMember(ctx.t, ctx.db, a, owner, ['viewer']);
      const stays = await addMember(ctx.t, ctx.db, a, owner, ['viewer']);
      await joinTenant(ctx.t, ctx.db, b, owner, removed, ['viewer']);
      for (const u of [removed, stays]) await waitForProfile(ctx.db, u.userId);
      expect((await patchMine(a, removed, { title: 'Removed soon' })).statusCode).toBe(200);
      expect((await patchMine(b, removed, { title: 'Stays in B' })).statusCode).toBe(200);
      expect((await patchMine(a, stays, { title: 'Stays in A' })).statusCode).toBe(200);

      expect((await del(ctx.t, `${T(a)}/members/${removed.userId}`, owner.accessToken)).statusCode).toBe(204);
      await eventually(async () => (await layerRow(ctx.db, a, removed.userId)) === undefined, 15_000, 'the membership.removed reaction');
      expect(await countOf(ctx.db, `profile.tenant_layers WHERE tenant_id = $1 AND user_id = $2`, [a, removed.userId])).toBe(0);
      expect(await layerRow(ctx.db, b, removed.userId)).toMatchObject({ title: 'Stays in B' });
      expect(await layerRow(ctx.db, a, stays.userId)).toMatchObject({ title: 'Stays in A' });
      expect(await profileRow(ctx.db, removed.userId)).toBeDefined();
      // No longer a member: no layer can be written back.
      expectProblem(await patchMine(a, removed, { title: 'Back?' }), 404, 'TENANCY.NOT_FOUND');

      // Leaving (membership.removed with reason left) removes the layer the same way.
      expect((await del(ctx.t, `${T(a)}/members/${stays.userId}`, stays.accessToken)).statusCode).toBe(204);
      await eventually(async () => (await layerRow(ctx.db, a, stays.userId)) === undefined, 15_000, 'the leave reaction');
      expect(await handled(ctx.db, 'integration.profile.membership-removed', 'membership.removed', 'user_id', stays.userId)).toBe(true);
    });

    it("tenant.deleted removes every layer of the tenant, and no other tenant's", async () => {
      const owner = await signUp(ctx.t, ctx.db);
      const doomed = await createTenant(ctx.t, owner, 'Doomed');
      const kept = await createTenant(ctx.t, owner, 'Kept');
      const m = await addMember(ctx.t, ctx.db, doomed, owner, ['editor']);
      await waitForProfile(ctx.db, owner.userId);
      expect((await patchMine(doomed, owner, { title: 'Founder' })).statusCode).toBe(200);
      expect((await patchMine(doomed, m, { title: 'Editor' })).statusCode).toBe(200);
      expect((await patchMine(kept, owner, { title: 'Founder of Kept' })).statusCode).toBe(200);
      expect(await countOf(ctx.db, `profile.tenant_layers WHERE tenant_id = $1`, [doomed])).toBe(2);

      expect((await del(ctx.t, T(doomed), owner.accessToken)).statusCode).toBe(204);
      await eventually(
        () => handled(ctx.db, 'integration.profile.tenant-deleted', 'tenant.deleted', 'tenant_id', doomed),
        15_000,
        'the tenant.deleted reaction',
      );
      expect(await countOf(ctx.db, `profile.tenant_layers WHERE tenant_id = $1`, [doomed])).toBe(0);
      expect(await layerRow(ctx.db, kept, owner.userId)).toMatchObject({ title: 'Founder of Kept' });
      expect(await profileRow(ctx.db, m.userId)).toBeDefined();
      expectProblem(await patchMine(doomed, m, { title: 'Still here?' }), 404, 'TENANCY.NOT_FOUND');
    });
  });
});
