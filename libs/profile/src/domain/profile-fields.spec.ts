import {
  applyFieldChanges,
  canonicalLocale,
  canonicalPictureUrl,
  canonicalTimeZone,
  GLOBAL_FIELDS,
  LAYER_FIELDS,
  pictureUrlProblem,
  readFieldChanges,
  signUpDisplayName,
} from './profile-fields';

describe('canonicalLocale', () => {
  it.each([
    ['en', 'en'],
    ['en-gb', 'en-GB'],
    ['EN-GB', 'en-GB'],
    ['zh-hant-tw', 'zh-Hant-TW'],
    ['de-CH-1996', 'de-CH-1996'],
    ['sh', 'sr-Latn'],
  ])('accepts %s as %s', (input, expected) => expect(canonicalLocale(input)).toBe(expected));

  it.each(['', 'e', 'en-GB-', 'en_GB', '123', 'en-', '*', 'x'.repeat(36), 'sh-u-ca-gregory-co-phonebk-nu-latn'])('refuses %p', (input) =>
    expect(canonicalLocale(input)).toBeUndefined(),
  );
});

describe('canonicalTimeZone', () => {
  it.each([
    ['Europe/Paris', 'Europe/Paris'],
    ['europe/paris', 'Europe/Paris'],
    ['UTC', 'UTC'],
    ['America/Argentina/Buenos_Aires', 'America/Argentina/Buenos_Aires'],
    ['Etc/GMT+5', 'Etc/GMT+5'],
  ])('accepts %s as %s', (input, expected) => expect(canonicalTimeZone(input)).toBe(expected));

  it.each(['Mars/Olympus', '+01:00', '-05:00', 'Europe/', '', ' Europe/Paris', 'Europe Paris'])('refuses %p', (input) =>
    expect(canonicalTimeZone(input)).toBeUndefined(),
  );
});

describe('pictureUrlProblem', () => {
  const formats = ['jpg', 'png'];
  it.each(['https://cdn.example.com/a.jpg', 'https://cdn.example.com/a.JPEG', 'https://cdn.example.com/p/a.png?size=64#x'])(
    'accepts %s',
    (url) => expect(pictureUrlProblem(url, formats)).toBeUndefined(),
  );

  it.each([
    ['http://cdn.example.com/a.jpg', 'picture_url must be an absolute https URL'],
    ['not a url', 'picture_url must be an absolute https URL'],
    ['/relative/a.jpg', 'picture_url must be an absolute https URL'],
    ['https://user:pw@cdn.example.com/a.jpg', 'picture_url must not carry credentials'],
    ['https://cdn.example.com/a.gif', 'picture_url must point to a jpg or png image (by its file extension)'],
    ['https://cdn.example.com/a', 'picture_url must point to a jpg or png image (by its file extension)'],
    ['https://cdn.example.com/a.png.exe', 'picture_url must point to a jpg or png image (by its file extension)'],
    ['https://cdn.example.com/x?f=a.png', 'picture_url must point to a jpg or png image (by its file extension)'],
    [`https://cdn.example.com/${'a'.repeat(2040)}.png`, 'picture_url must be at most 2048 characters'],
    // Within the limit as given, over it once canonical (each space becomes %20).
    [`https://cdn.example.com/${' '.repeat(1000)}.png`, 'picture_url must be at most 2048 characters'],
  ])('refuses %s', (url, problem) => expect(pictureUrlProblem(url, formats)).toBe(problem));

  it('follows the configured formats', () => {
    expect(pictureUrlProblem('https://cdn.example.com/a.webp', ['webp'])).toBeUndefined();
    expect(pictureUrlProblem('https://cdn.example.com/a.jpg', ['webp'])).toBe(
      'picture_url must point to a webp image (by its file extension)',
    );
  });
});

describe('canonicalPictureUrl', () => {
  it.each([
    ['https://cdn.example.com/a.jpg', 'https://cdn.example.com/a.jpg'],
    ['HTTPS://CDN.Example.com/A.JPG', 'https://cdn.example.com/A.JPG'],
    ['https:cdn.example.com/a.png', 'https://cdn.example.com/a.png'],
    [' https://cdn.example.com/a b.png ', 'https://cdn.example.com/a%20b.png'],
  ])('%s → %s', (input, expected) => expect(canonicalPictureUrl(input)).toBe(expected));

  it('is undefined for what is no URL', () => expect(canonicalPictureUrl('not a url')).toBeUndefined());
});

describe('readFieldChanges', () => {
  it('normalises, keeps nulls, leaves undefined alone', () => {
    expect(readFieldChanges({ locale: 'en-gb', timezone: 'europe/paris', bio: null, display_name: 'Ada' }, GLOBAL_FIELDS, ['jpg'])).toEqual(
      {
        changes: { display_name: 'Ada', bio: null, locale: 'en-GB', timezone: 'Europe/Paris' },
        errors: [],
      },
    );
  });

  it('reports every bad field with its rule', () => {
    expect(readFieldChanges({ locale: 'nope!', timezone: '+01:00', picture_url: 'http://x/a.jpg' }, GLOBAL_FIELDS, ['jpg']).errors).toEqual(
      [
        { path: 'picture_url', message: 'picture_url must be an absolute https URL', rule: 'isPictureUrl' },
        { path: 'locale', message: 'locale must be a BCP 47 language tag such as en-GB', rule: 'isLocale' },
        { path: 'timezone', message: 'timezone must be an IANA time zone name such as Europe/Paris', rule: 'isTimeZone' },
      ],
    );
  });

  it('stores picture URLs canonical', () => {
    expect(readFieldChanges({ picture_url: 'HTTPS://CDN.example.com/a.jpg' }, GLOBAL_FIELDS, ['jpg']).changes).toEqual({
      picture_url: 'https://cdn.example.com/a.jpg',
    });
  });

  it('reads only the fields of the layer (title is a tenant field)', () => {
    expect(readFieldChanges({ title: 'CTO' }, GLOBAL_FIELDS, ['jpg']).changes).toEqual({});
    expect(readFieldChanges({ title: 'CTO' }, LAYER_FIELDS, ['jpg']).changes).toEqual({ title: 'CTO' });
  });
});

describe('applyFieldChanges', () => {
  it('names only the fields whose value changes', () => {
    expect(
      applyFieldChanges({ display_name: 'Ada', bio: null }, { display_name: 'Ada', bio: null, locale: 'en', first_name: null }),
    ).toEqual({
      next: { display_name: 'Ada', bio: null, locale: 'en' },
      changed: ['locale'],
    });
    expect(applyFieldChanges({ display_name: 'Ada' }, { display_name: null }).changed).toEqual(['display_name']);
  });
});

describe('signUpDisplayName', () => {
  it.each([
    [undefined, null],
    [null, null],
    ['  ', null],
    ['  Ada  ', 'Ada'],
    ['Ada\nLovelace', 'Ada Lovelace'],
    ['\u0000\u0007', null],
    ['a'.repeat(150), 'a'.repeat(100)],
    ['a\uFE0F'.repeat(60), 'a\uFE0F'.repeat(50)],
  ])('%p → %p', (raw, expected) => expect(signUpDisplayName(raw)).toBe(expected));
});
