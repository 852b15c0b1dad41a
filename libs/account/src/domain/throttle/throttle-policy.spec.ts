import { blockAfterFailure, retryAfterMs, ThrottleSettings } from './throttle-policy';

const S: ThrottleSettings = {
  freeAttempts: 5,
  maxDelayMs: 15 * 60_000,
  windowMs: 3_600_000,
  maxPerAccount: 100,
  maxPerIp: 300,
  maxMailsPerAddress: 5,
  maxMailsPerIp: 50,
};
const now = 1_000_000_000;

describe('login throttle policy', () => {
  it('lets the free attempts through without delay (allowed)', () => {
    for (let f = 1; f <= 5; f++) expect(blockAfterFailure('account_ip', { failures: f, windowStartedAt: now }, now, S)).toBeNull();
  });

  it('delays each further failure progressively: 1 s, 2 s, 4 s … (denied)', () => {
    expect(blockAfterFailure('account_ip', { failures: 6, windowStartedAt: now }, now, S)).toBe(now + 1000);
    expect(blockAfterFailure('account_ip', { failures: 7, windowStartedAt: now }, now, S)).toBe(now + 2000);
    expect(blockAfterFailure('account_ip', { failures: 10, windowStartedAt: now }, now, S)).toBe(now + 16_000);
  });

  it('caps the delay at the maximum and at the end of the window', () => {
    expect(blockAfterFailure('account_ip', { failures: 40, windowStartedAt: now }, now, S)).toBe(now + S.maxDelayMs);
    const late = now + S.windowMs - 60_000; // one minute before the window ends
    expect(blockAfterFailure('account_ip', { failures: 40, windowStartedAt: now }, late, S)).toBe(now + S.windowMs);
  });

  it('blocks an account after the per-account ceiling until its window ends, not longer', () => {
    expect(blockAfterFailure('account', { failures: 99, windowStartedAt: now }, now + 10, S)).toBeNull();
    expect(blockAfterFailure('account', { failures: 100, windowStartedAt: now }, now + 10, S)).toBe(now + S.windowMs);
  });

  it('blocks an IP after its ceiling', () => {
    expect(blockAfterFailure('ip', { failures: 299, windowStartedAt: now }, now, S)).toBeNull();
    expect(blockAfterFailure('ip', { failures: 300, windowStartedAt: now }, now, S)).toBe(now + S.windowMs);
  });

  it('reports the remaining wait', () => {
    expect(retryAfterMs(undefined, now)).toBe(0);
    expect(retryAfterMs({ failures: 9, windowStartedAt: now, blockedUntil: null }, now)).toBe(0);
    expect(retryAfterMs({ failures: 9, windowStartedAt: now, blockedUntil: now + 1500 }, now)).toBe(1500);
    expect(retryAfterMs({ failures: 9, windowStartedAt: now, blockedUntil: now - 1 }, now)).toBe(0);
  });

  it('limits mail-sending requests per address and per IP until the window ends', () => {
    expect(blockAfterFailure('mail_address', { failures: 4, windowStartedAt: now }, now, S)).toBeNull();
    expect(blockAfterFailure('mail_address', { failures: 5, windowStartedAt: now }, now, S)).toBe(now + S.windowMs);
    expect(blockAfterFailure('mail_ip', { failures: 49, windowStartedAt: now }, now, S)).toBeNull();
    expect(blockAfterFailure('mail_ip', { failures: 50, windowStartedAt: now }, now, S)).toBe(now + S.windowMs);
  });
});
