import { DomainError } from '../errors/domain-error';
import { decodeCursor, encodeCursor } from './cursor';

describe('cursors', () => {
  it('round-trip the sort key of their list', () => {
    const c = encodeCursor('members', ['2026-01-01T00:00:00.000Z', 'id-1']);
    expect(decodeCursor('members', c, 2)).toEqual(['2026-01-01T00:00:00.000Z', 'id-1']);
  });

  it.each([
    ['another list', encodeCursor('roles', ['a']), 1],
    ['the wrong arity', encodeCursor('members', ['a', 'b']), 1],
    ['garbage', '%%%', 1],
    ['non-JSON base64', Buffer.from('nope').toString('base64url'), 1],
    ['objects in the key', Buffer.from(JSON.stringify({ l: 'members', k: [{}] })).toString('base64url'), 1],
  ])('reject %s with KERNEL.INVALID_CURSOR', (_name, cursor, arity) => {
    expect(() => decodeCursor('members', cursor as string, arity as number)).toThrow(DomainError);
    try {
      decodeCursor('members', cursor as string, arity as number);
    } catch (err) {
      expect((err as DomainError).code).toBe('KERNEL.INVALID_CURSOR');
    }
  });
});
