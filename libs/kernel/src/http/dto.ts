import { Transform } from 'class-transformer';
import { Matches } from 'class-validator';

/** Trims a string field before validation (emails, names); other values pass unchanged. */
export const Trimmed = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

/** Refuses control characters (line breaks, tabs, escapes) in a one-line text field such as a name. */
export const SingleLine = (): PropertyDecorator =>
  Matches(/^[^\p{Cc}]*$/u, { message: ({ property }) => `${property} must be a single line without control characters` });
