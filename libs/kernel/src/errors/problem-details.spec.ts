import { BadRequestException, HttpException, NotFoundException, ValidationError } from '@nestjs/common';
import { DomainError, KernelErrors } from './domain-error';
import { toProblem } from './problem-details';
import { toDomainError } from './to-domain-error';
import { flattenValidationErrors } from './validation.pipe';

describe('toProblem', () => {
  it('renders RFC 9457 members, code, request id, field errors and extensions', () => {
    const err = new DomainError('conflict', 'ACCOUNT.EMAIL_TAKEN', 'Taken.', {
      errors: [{ path: 'email', message: 'taken' }],
      extensions: { hint: 'x' },
    });
    expect(toProblem(err, 'r1', '/v1/users')).toEqual({
      type: 'urn:user-engine:problem:account.email_taken',
      title: 'Conflict',
      status: 409,
      detail: 'Taken.',
      code: 'ACCOUNT.EMAIL_TAKEN',
      instance: '/v1/users',
      request_id: 'r1',
      errors: [{ path: 'email', message: 'taken' }],
      hint: 'x',
    });
  });

  it('never lets an extension overwrite a standard member (a status of "paid" once made the filter answer 500)', () => {
    const err = new DomainError('conflict', 'X.Y', 'No.', { extensions: { status: 'paid', code: 'Z', type: 't', other: 1 } });
    expect(toProblem(err)).toEqual({
      type: 'urn:user-engine:problem:x.y',
      title: 'Conflict',
      status: 409,
      detail: 'No.',
      code: 'X.Y',
      other: 1,
    });
  });
});

describe('toDomainError', () => {
  it('keeps domain errors', () => {
    const e = KernelErrors.malformedJson();
    expect(toDomainError(e)).toBe(e);
  });

  it('maps Fastify parser errors, also when Nest wrapped them', () => {
    const tooLarge = Object.assign(new Error('too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });
    expect(toDomainError(tooLarge, { bodyLimit: 10 }).code).toBe('KERNEL.BODY_TOO_LARGE');
    expect(toDomainError(new HttpException('x', 413, { cause: tooLarge }), { bodyLimit: 10 }).code).toBe('KERNEL.BODY_TOO_LARGE');
    const badJson = Object.assign(new Error('bad'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 });
    expect(toDomainError(badJson).code).toBe('KERNEL.MALFORMED_JSON');
  });

  it('maps Nest HTTP exceptions by status; 404 becomes a route-not-found', () => {
    expect(toDomainError(new NotFoundException(), { method: 'GET', url: '/x' }).code).toBe('KERNEL.ROUTE_NOT_FOUND');
    expect(toDomainError(new BadRequestException('nope'))).toMatchObject({ kind: 'invalid', code: 'HTTP.400' });
  });

  it('turns anything else into a generic internal error that reveals nothing', () => {
    const e = toDomainError(new Error('db password is hunter2'));
    expect(e).toMatchObject({ kind: 'internal', code: 'KERNEL.INTERNAL', message: 'An unexpected error occurred.' });
    expect(toDomainError('a string').code).toBe('KERNEL.INTERNAL');
    expect(toDomainError(new HttpException('teapot', 418)).code).toBe('KERNEL.INTERNAL');
  });
});

describe('flattenValidationErrors', () => {
  it('builds dotted and indexed paths from nested errors', () => {
    const errors: ValidationError[] = [
      { property: 'name', constraints: { isString: 'name must be a string' }, children: [] },
      {
        property: 'items',
        children: [{ property: '0', children: [{ property: 'qty', constraints: { min: 'qty must not be less than 1' }, children: [] }] }],
      },
      { property: 'extra', constraints: { whitelistValidation: 'property extra should not exist' }, children: [] },
    ];
    expect(flattenValidationErrors(errors)).toEqual([
      { path: 'name', message: 'name must be a string', rule: 'isString' },
      { path: 'items[0].qty', message: 'qty must not be less than 1', rule: 'min' },
      { path: 'extra', message: 'extra is not a known field', rule: 'whitelistValidation' },
    ]);
  });
});
