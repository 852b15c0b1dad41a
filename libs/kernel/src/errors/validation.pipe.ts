import { ValidationError, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { FieldError, KernelErrors } from './domain-error';

type MetadataStorage = ReturnType<typeof getMetadataStorage>;

let memoized = false;

/**
 * class-validator looks a DTO's rules up on every validation by scanning every decorated class in
 * the process (an `instanceof` per class, for inherited rules): the cost of validating one body
 * grew with the number of DTOs in the application, and was the largest single cost of a small
 * POST. The rules of a class only change while classes are being declared, so the lookup is
 * memoised per class and options, and forgotten whenever a rule is added.
 */
export function memoizeValidationMetadata(storage: MetadataStorage = getMetadataStorage()): void {
  if (memoized) return;
  memoized = true;
  const cache = new Map<unknown, Map<string, ReturnType<MetadataStorage['getTargetValidationMetadatas']>>>();
  const lookup = storage.getTargetValidationMetadatas.bind(storage);
  const add = storage.addValidationMetadata.bind(storage);
  storage.addValidationMetadata = (metadata) => {
    cache.clear();
    add(metadata);
  };
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const key = `${schema}\u0000${always}\u0000${strictGroups}\u0000${(groups ?? []).join('\u0000')}`;
    let byOptions = cache.get(target);
    if (!byOptions) cache.set(target, (byOptions = new Map()));
    let found = byOptions.get(key);
    if (!found) byOptions.set(key, (found = lookup(target, schema, always, strictGroups, groups)));
    return found;
  };
}

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
  memoizeValidationMetadata();
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
