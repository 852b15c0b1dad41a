import { ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, KernelErrors } from './domain-error';

/** Flattens class-validator's tree into `errors[]` with dotted/indexed field paths. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const segment = /^\d+$/.test(e.property) ? `[${e.property}]` : parent ? `.${e.property}` : e.property;
    const path = `${parent}${segment}`;
    for (const [rule, message] of Object.entries(e.constraints ?? {})) {
      out.push({ path, message: rule === 'whitelistValidation' ? `${path} is not a known field` : message, rule });
    }
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, path));
  }
  return out;
}

/**
 * Global validation: unknown fields are refused (not silently dropped), types are checked strictly
 * (no implicit string→number conversion of JSON bodies) and failures become KERNEL.VALIDATION_FAILED.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    stopAtFirstError: false,
    exceptionFactory: (errors) => KernelErrors.validation(flattenValidationErrors(errors)),
  });
}
