import { isUuid, uuidv7, uuidv7Time } from './uuid';

describe('uuidv7', () => {
  it('is a valid version-7 RFC 9562 UUID carrying the time', () => {
    const now = Date.now();
    const id = uuidv7(now);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidv7Time(id)).toBe(now);
    expect(isUuid(id)).toBe(true);
  });

  it('is strictly increasing within a millisecond and across them', () => {
    const t = Date.now() + 10_000;
    const ids = Array.from({ length: 5000 }, (_, i) => uuidv7(t + Math.floor(i / 1000)));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('rejects non-UUIDs', () => {
    for (const v of ['', 'x', '0190a4d6-aaaa-7000-8000-00000000000', 42, null]) expect(isUuid(v)).toBe(false);
  });
});
