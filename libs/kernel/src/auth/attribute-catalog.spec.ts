import { AttributeCatalog, attributeValueProblem } from './attribute-catalog';

describe('attributeValueProblem', () => {
  const s = (constraints = {}) => ({ type: 'string' as const, constraints });
  const i = (constraints = {}) => ({ type: 'integer' as const, constraints });
  const n = (constraints = {}) => ({ type: 'number' as const, constraints });
  const b = { type: 'boolean' as const, constraints: {} };

  it('booleans: only true and false', () => {
    expect(attributeValueProblem(b, true)).toBeUndefined();
    expect(attributeValueProblem(b, false)).toBeUndefined();
    for (const v of ['true', 1, null, undefined]) expect(attributeValueProblem(b, v)).toBe('must be a boolean');
  });

  it('integers: finite safe integers within the bounds and the enum', () => {
    expect(attributeValueProblem(i(), 42)).toBeUndefined();
    expect(attributeValueProblem(i(), -3)).toBeUndefined();
    expect(attributeValueProblem(i(), 1.5)).toBe('must be an integer');
    expect(attributeValueProblem(i(), 2 ** 53)).toBe('must be an integer');
    for (const v of ['1', NaN, Infinity, null]) expect(attributeValueProblem(i(), v)).toBe('must be a number');
    expect(attributeValueProblem(i({ minimum: 1, maximum: 3 }), 1)).toBeUndefined();
    expect(attributeValueProblem(i({ minimum: 1, maximum: 3 }), 3)).toBeUndefined();
    expect(attributeValueProblem(i({ minimum: 1, maximum: 3 }), 0)).toBe('must be at least 1');
    expect(attributeValueProblem(i({ minimum: 1, maximum: 3 }), 4)).toBe('must be at most 3');
    expect(attributeValueProblem(i({ enum: [2, 4] }), 4)).toBeUndefined();
    expect(attributeValueProblem(i({ enum: [2, 4] }), 3)).toBe('must be one of 2, 4');
  });

  it('numbers: any finite number within the bounds and the enum', () => {
    expect(attributeValueProblem(n(), 0.1)).toBeUndefined();
    expect(attributeValueProblem(n(), Infinity)).toBe('must be a number');
    expect(attributeValueProblem(n(), '0.1')).toBe('must be a number');
    expect(attributeValueProblem(n({ minimum: 0.5 }), 0.5)).toBeUndefined();
    expect(attributeValueProblem(n({ minimum: 0.5 }), 0.49)).toBe('must be at least 0.5');
    expect(attributeValueProblem(n({ maximum: -1 }), 0)).toBe('must be at most -1');
    expect(attributeValueProblem(n({ enum: [0.5] }), 0.5)).toBeUndefined();
    expect(attributeValueProblem(n({ enum: [0.5] }), 1)).toBe('must be one of 0.5');
  });

  it('strings: lengths in characters (not UTF-16 units), 10 000 at most by default, enum and pattern', () => {
    expect(attributeValueProblem(s(), '')).toBeUndefined();
    expect(attributeValueProblem(s(), 5)).toBe('must be a string');
    expect(attributeValueProblem(s(), null)).toBe('must be a string');
    expect(attributeValueProblem(s(), 'x'.repeat(10_000))).toBeUndefined();
    expect(attributeValueProblem(s(), 'x'.repeat(10_001))).toBe('must be at most 10000 characters');
    expect(attributeValueProblem(s({ max_length: 2 }), '😀😀')).toBeUndefined();
    expect(attributeValueProblem(s({ max_length: 2 }), 'abc')).toBe('must be at most 2 characters');
    expect(attributeValueProblem(s({ min_length: 2 }), '😀')).toBe('must be at least 2 characters');
    expect(attributeValueProblem(s({ min_length: 2 }), 'ab')).toBeUndefined();
    expect(attributeValueProblem(s({ enum: ['free', 'pro'] }), 'pro')).toBeUndefined();
    expect(attributeValueProblem(s({ enum: ['free', 'pro'] }), 'Pro')).toBe('must be one of free, pro');
    expect(attributeValueProblem(s({ pattern: '^[a-z]+$' }), 'abc')).toBeUndefined();
    expect(attributeValueProblem(s({ pattern: '^[a-z]+$' }), 'abc1')).toBe('must match ^[a-z]+$');
    expect(attributeValueProblem(s({ pattern: '^\\p{Lu}' }), 'Émile')).toBeUndefined();
  });
});

describe('AttributeCatalog', () => {
  const plan = { key: 'plan', type: 'string' as const, scope: 'global' as const, description: null, constraints: {}, default: null };

  it('replaces and drops an application, bumping the version each time', () => {
    const c = new AttributeCatalog();
    const v0 = c.version;
    c.replaceApplication('billing', { applicationId: 'a1', attributes: [plan], profileFields: ['display_name'] });
    expect(c.version).toBe(v0 + 1);
    expect(c.attribute('billing', 'plan')).toEqual(plan);
    expect(c.attribute('billing', 'other')).toBeUndefined();
    expect(c.application('billing')).toMatchObject({ applicationId: 'a1', applicationKey: 'billing', profileFields: ['display_name'] });
    c.replaceApplication('billing', { applicationId: 'a1', attributes: [], profileFields: [] });
    expect(c.attribute('billing', 'plan')).toBeUndefined();
    c.replaceApplication('billing', undefined);
    expect(c.application('billing')).toBeUndefined();
    expect([...c.applications()]).toEqual([]);
    expect(c.version).toBe(v0 + 3);
  });
});
