import { ConfigValidationError, type KernelConfig } from '@user-engine/kernel';

/**
 * A secret setting that production cannot do without. In development a fixed, publicly known
 * stand-in keeps `npm start` a one-liner — with a warning, since anything it protects is not secret.
 */
export function requiredSecret(
  variable: string,
  value: string | undefined,
  nodeEnv: KernelConfig['nodeEnv'],
  developmentValue: string,
  warn: (message: string) => void,
): string {
  if (value === undefined) {
    if (nodeEnv !== 'development') {
      throw new ConfigValidationError([
        { variable, message: `is required when NODE_ENV=${nodeEnv} (at least 32 characters, e.g. openssl rand -base64 32)` },
      ]);
    }
    warn(`${variable} is not set: using a development value (NODE_ENV=development only)`);
    return developmentValue;
  }
  if (value.length < 32) throw new ConfigValidationError([{ variable, message: `must be at least 32 characters, got ${value.length}` }]);
  return value;
}
