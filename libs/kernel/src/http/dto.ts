import { Transform } from 'class-transformer';

/** Trims a string field before validation (emails, names); other values pass unchanged. */
export const Trimmed = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));
