/** What the limiter stores per key. Times in epoch milliseconds. */
export interface ThrottleState {
  failures: number;
  windowStartedAt: number;
  blockedUntil: number | null;
}

/**
 * The three counters a login attempt touches:
 * - `account_ip`: one account from one IP — the progressive delay. An attacker hammering a victim's
 *   address from their own IP slows only themselves; the victim, from another IP, is unaffected.
 * - `account`: one account from every IP — the hard ceiling (at most `maxPerAccount` failures per
 *   window, 100 at most), which ends with the window: no lock-out outlasts it.
 * - `ip`: one IP across every account — credential stuffing.
 * - `mail_address` / `mail_ip`: requests that send mail (sign-up, resend, reset) per address and per
 *   IP — mail bombing, and a victim's reset link replaced over and over.
 */
export type ThrottleKind = 'account_ip' | 'account' | 'ip' | 'mail_address' | 'mail_ip';

export interface ThrottleSettings {
  freeAttempts: number;
  maxDelayMs: number;
  windowMs: number;
  maxPerAccount: number;
  maxPerIp: number;
  /** Mails (verification, reset) a route may trigger per address and per client IP in a window. */
  maxMailsPerAddress: number;
  maxMailsPerIp: number;
}

/** Where a key stands after one more failure (`failures` and `windowStartedAt` already counted). */
export function blockAfterFailure(
  kind: ThrottleKind,
  state: Omit<ThrottleState, 'blockedUntil'>,
  now: number,
  s: ThrottleSettings,
): number | null {
  const windowEnd = state.windowStartedAt + s.windowMs;
  switch (kind) {
    case 'account_ip': {
      const over = state.failures - s.freeAttempts;
      if (over <= 0) return null;
      // 1 s, 2 s, 4 s, … up to the maximum delay, never past the end of the window.
      const delay = Math.min(1000 * 2 ** Math.min(over - 1, 30), s.maxDelayMs);
      return Math.min(now + delay, Math.max(windowEnd, now + 1000));
    }
    case 'account':
      return state.failures >= s.maxPerAccount ? windowEnd : null;
    case 'ip':
      return state.failures >= s.maxPerIp ? windowEnd : null;
    case 'mail_address':
      return state.failures >= s.maxMailsPerAddress ? windowEnd : null;
    case 'mail_ip':
      return state.failures >= s.maxMailsPerIp ? windowEnd : null;
  }
}

/** Milliseconds until the key accepts attempts again (0: not blocked). */
export function retryAfterMs(state: ThrottleState | undefined, now: number): number {
  if (!state?.blockedUntil) return 0;
  return Math.max(0, state.blockedUntil - now);
}
