import { PasswordHasher } from './password-hasher';
import { BLOCKLIST_SIZE, PasswordPolicy } from './password-policy';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher({ cost: 4, pepper: 'test-pepper' });

  it('verifies the password exactly as typed', async () => {
    const stored = await hasher.hash('correct horse battery staple');
    expect(stored).toMatch(/^\$2b\$04\$/);
    await expect(hasher.verify('correct horse battery staple', stored)).resolves.toBe(true);
    for (const wrong of ['correct horse battery staple ', 'Correct horse battery staple', 'correct horse battery stap']) {
      await expect(hasher.verify(wrong, stored)).resolves.toBe(false);
    }
  });

  it('does not truncate: passwords differing after byte 72 are different', async () => {
    const base = 'x'.repeat(100);
    const stored = await hasher.hash(`${base}A`);
    await expect(hasher.verify(`${base}A`, stored)).resolves.toBe(true);
    await expect(hasher.verify(`${base}B`, stored)).resolves.toBe(false);
  });

  it('does not normalise Unicode: composed and decomposed forms differ', async () => {
    const composed = 'caf\u00e9-caf\u00e9-1';
    const stored = await hasher.hash(composed);
    await expect(hasher.verify(composed, stored)).resolves.toBe(true);
    await expect(hasher.verify(composed.normalize('NFD'), stored)).resolves.toBe(false);
  });

  it('depends on the pepper', async () => {
    const stored = await hasher.hash('s3cret-passphrase');
    const other = new PasswordHasher({ cost: 4, pepper: 'another-pepper' });
    await expect(other.verify('s3cret-passphrase', stored)).resolves.toBe(false);
  });

  it('reports hashes made with another cost for rehashing', async () => {
    const stored = await hasher.hash('s3cret-passphrase');
    expect(hasher.needsRehash(stored)).toBe(false);
    expect(new PasswordHasher({ cost: 5, pepper: 'test-pepper' }).needsRehash(stored)).toBe(true);
  });

  it('verifyNothing always fails', async () => {
    await expect(hasher.verifyNothing('anything at all')).resolves.toBe(false);
  });

  it('refuses an invalid cost', () => {
    expect(() => new PasswordHasher({ cost: 3, pepper: 'p' })).toThrow(RangeError);
    expect(() => new PasswordHasher({ cost: 32, pepper: 'p' })).toThrow(RangeError);
  });
});

describe('PasswordPolicy', () => {
  const policy = new PasswordPolicy({ minLength: 8 });

  it('accepts long, uncommon passwords of any composition (allowed)', () => {
    expect(policy.check('correct horse battery staple')).toBeUndefined();
    expect(policy.check('zzqxjvkwpt')).toBeUndefined(); // lower-case letters only: no composition rules
    expect(policy.check('ü'.repeat(64))).toBeUndefined();
    expect(policy.check('a9#'.repeat(85) + 'b')).toBeUndefined(); // 256 characters
  });

  it('refuses short, over-long and common passwords (denied)', () => {
    expect(policy.check('short')?.code).toBe('ACCOUNT.PASSWORD_TOO_SHORT');
    expect(policy.check('🙂🙂🙂🙂🙂🙂🙂')?.code).toBe('ACCOUNT.PASSWORD_TOO_SHORT'); // 7 code points
    expect(policy.check('a'.repeat(257))?.code).toBe('ACCOUNT.PASSWORD_TOO_LONG');
    for (const common of ['password', 'Password', '12345678', 'qwertyuiop', 'iloveyou']) {
      expect(policy.check(common)?.code).toBe('ACCOUNT.PASSWORD_TOO_COMMON');
    }
    expect(policy.check('ada.lovelace', { email: 'Ada.Lovelace@example.com' })?.code).toBe('ACCOUNT.PASSWORD_TOO_COMMON');
  });

  it('bundles at least the 10,000 most common passwords', () => {
    expect(BLOCKLIST_SIZE).toBeGreaterThanOrEqual(10_000);
  });

  it('refuses a configuration below NIST minimums', () => {
    expect(() => new PasswordPolicy({ minLength: 6 })).toThrow(RangeError);
    expect(() => new PasswordPolicy({ minLength: 8, maxLength: 32 })).toThrow(RangeError);
  });
});
