import { Transform } from 'class-transformer';
import { Matches, ValidateBy, ValidateIf, type ValidationOptions } from 'class-validator';
import { isUuid } from '../ids/uuid';

/** Trims a string field before validation (emails, names); other values pass unchanged. */
export const Trimmed = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

/** Refuses control characters (line breaks, tabs, escapes) in a one-line text field such as a name. */
export const SingleLine = (): PropertyDecorator =>
  Matches(/^[^\p{Cc}]*$/u, { message: ({ property }) => `${property} must be a single line without control characters` });

/**
 * The field may be left out, but never sent as null: for updates where null would mean "clear" and
 * the field cannot be cleared (class-validator's IsOptional lets null through).
 */
export const OmitOrValid = (): PropertyDecorator => ValidateIf((_object: object, value: unknown) => value !== undefined);

/** A UUID as the kernel accepts ids (versions 1–8, RFC 4122 variant): what path parameters and scopes take. */
export const IsId = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'isUuid',
      validator: {
        validate: (value: unknown) => isUuid(value),
        defaultMessage: (args) => `${args?.property ?? 'value'} must be ${options?.each ? 'UUIDs' : 'a UUID'}`,
      },
    },
    options,
  );

/**
 * A string of `min`–`max` characters counted as PostgreSQL's char_length counts them (code points):
 * class-validator's Length discounts variation selectors, so a value it accepts could still break
 * a column's CHECK.
 */
export const CharLength = (min: number, max: number): PropertyDecorator =>
  ValidateBy({
    name: 'charLength',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && [...value].length >= min && [...value].length <= max,
      defaultMessage: (args) => `${args?.property ?? 'value'} must be ${min}–${max} characters long`,
    },
  });
