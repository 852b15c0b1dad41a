import { PROFILE_FIELDS_V1, type ProfileFieldV1 } from '@user-engine/contracts';

export type ProfileField = ProfileFieldV1;
export const PROFILE_FIELDS = PROFILE_FIELDS_V1;
/** The global profile has every field but `title`, which only means something inside an organisation. */
export const GLOBAL_FIELDS: readonly ProfileField[] = PROFILE_FIELDS.filter((f) => f !== 'title');
/** A tenant layer may override every field. */
export const LAYER_FIELDS: readonly ProfileField[] = PROFILE_FIELDS;

/** Field values as stored: null is "not set". */
export type FieldValues = Partial<Record<ProfileField, string | null>>;

export const MAX_PICTURE_URL = 2048;

/**
 * The canonical form of a BCP 47 language tag (`en-us` → `en-US`), or undefined when it is not one.
 * Canonicalising can lengthen a tag (`sh` → `sr-Latn`): the stored form must fit the 2–35 limit too.
 */
export function canonicalLocale(value: string): string | undefined {
  if (value.length < 2 || value.length > 35) return undefined;
  try {
    const [canonical] = Intl.getCanonicalLocales(value);
    return canonical && canonical.length >= 2 && canonical.length <= 35 ? canonical : undefined;
  } catch {
    return undefined;
  }
}

// Names only: ICU would also take offsets such as "+01:00", which are not IANA zone names.
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

/**
 * An IANA time zone name as stored (`europe/paris` → `Europe/Paris`), or undefined when it is none.
 * ICU resolves some current names to older aliases (America/Argentina/Buenos_Aires →
 * America/Buenos_Aires): only a difference of case is corrected, the user's zone is kept.
 */
export function canonicalTimeZone(value: string): string | undefined {
  if (!ZONE_NAME.test(value)) return undefined;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
    return resolved.toLowerCase() === value.toLowerCase() ? resolved : value;
  } catch {
    return undefined;
  }
}

/**
 * A picture URL as stored: its canonical serialisation. URL parsers accept spellings such as
 * `HTTPS://…`, `https:host/…` or surrounding spaces for the same URL; what is stored (and checked
 * against the column's limits) is the one form every client reads alike.
 */
export function canonicalPictureUrl(value: string): string | undefined {
  try {
    return new URL(value).href;
  } catch {
    return undefined;
  }
}

/**
 * Why `value` is no acceptable picture URL, or undefined: an https URL without credentials whose
 * path ends in one of `formats` (`jpg` also admits `.jpeg`), at most MAX_PICTURE_URL characters
 * long as given and in its canonical form.
 */
export function pictureUrlProblem(value: string, formats: readonly string[]): string | undefined {
  if (value.length > MAX_PICTURE_URL) return `picture_url must be at most ${MAX_PICTURE_URL} characters`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'picture_url must be an absolute https URL';
  }
  if (url.href.length > MAX_PICTURE_URL) return `picture_url must be at most ${MAX_PICTURE_URL} characters`;
  if (url.protocol !== 'https:' || !url.hostname) return 'picture_url must be an absolute https URL';
  if (url.username || url.password) return 'picture_url must not carry credentials';
  const extension = /\.([a-z0-9]+)$/i.exec(url.pathname)?.[1]?.toLowerCase();
  const accepted = new Set(formats.flatMap((f) => (f === 'jpg' ? ['jpg', 'jpeg'] : [f])));
  if (!extension || !accepted.has(extension)) return `picture_url must point to a ${formats.join(' or ')} image (by its file extension)`;
  return undefined;
}

/**
 * Checks the profile-specific rules of a write's fields (the DTO has checked types and lengths) and
 * normalises them: locales, time zones and picture URLs to their canonical form (picture URLs
 * checked against the configured formats). `undefined` leaves a field alone, `null` clears it.
 */
export function readFieldChanges(
  input: FieldValues,
  allowed: readonly ProfileField[],
  pictureFormats: readonly string[],
): { changes: FieldValues; errors: { path: string; message: string; rule: string }[] } {
  const changes: FieldValues = {};
  const errors: { path: string; message: string; rule: string }[] = [];
  for (const field of allowed) {
    const value = input[field];
    if (value === undefined) continue;
    if (value === null) {
      changes[field] = null;
      continue;
    }
    if (field === 'locale') {
      const canonical = canonicalLocale(value);
      if (canonical) changes.locale = canonical;
      else errors.push({ path: field, message: 'locale must be a BCP 47 language tag such as en-GB', rule: 'isLocale' });
    } else if (field === 'timezone') {
      const canonical = canonicalTimeZone(value);
      if (canonical) changes.timezone = canonical;
      else errors.push({ path: field, message: 'timezone must be an IANA time zone name such as Europe/Paris', rule: 'isTimeZone' });
    } else if (field === 'picture_url') {
      const problem = pictureUrlProblem(value, pictureFormats);
      if (problem) errors.push({ path: field, message: problem, rule: 'isPictureUrl' });
      else changes.picture_url = canonicalPictureUrl(value)!;
    } else {
      changes[field] = value;
    }
  }
  return { changes, errors };
}

/** The fields after `changes`, and the names of those whose value actually changed. */
export function applyFieldChanges(current: FieldValues, changes: FieldValues): { next: FieldValues; changed: ProfileField[] } {
  const next: FieldValues = { ...current };
  const changed: ProfileField[] = [];
  for (const [field, value] of Object.entries(changes) as [ProfileField, string | null][]) {
    if ((current[field] ?? null) === value) continue;
    next[field] = value;
    changed.push(field);
  }
  return { next, changed };
}

const CONTROL = /\p{Cc}/gu;

/**
 * The display name a profile starts with, from what the user gave at sign-up: one trimmed line of at
 * most 100 characters, or null (sign-up's own rules are looser, and a reaction must never fail on them).
 */
export function signUpDisplayName(raw: string | null | undefined): string | null {
  if (typeof raw !== 'string') return null;
  const cleaned = [...raw.replace(CONTROL, ' ').trim()].slice(0, 100).join('').trim();
  return cleaned || null;
}
