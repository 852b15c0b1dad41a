import type { LightMyRequestResponse } from 'fastify';
import { decodedBody, type TestSmtp } from './smtp';
import type { TestDatabase } from './test-database';
import { eventually, type TestApp } from './test-app';

/** A password the policy accepts. */
export const GOOD_PASSWORD = 'correct horse battery staple 42';

let counter = 0;
/** A fresh address per call, so tests in one database never collide. */
export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}.${process.pid}.${Date.now()}.${++counter}@example.com`;
}

export function post(t: TestApp, url: string, payload: unknown, token?: string): Promise<LightMyRequestResponse> {
  return t.inject({ method: 'POST', url, payload: payload as object, headers: token ? { authorization: `Bearer ${token}` } : {} });
}

export function get(t: TestApp, url: string, token?: string): Promise<LightMyRequestResponse> {
  return t.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });
}

export function del(t: TestApp, url: string, token?: string): Promise<LightMyRequestResponse> {
  return t.inject({ method: 'DELETE', url, headers: token ? { authorization: `Bearer ${token}` } : {} });
}

const TOKEN_IN_LINK = /token=([A-Za-z0-9_-]{20,})/;

/** The token of the newest development-mailbox message of `kind` to `email` (waits for it). */
export async function mailboxToken(db: TestDatabase, email: string, kind: string, after = 0): Promise<string> {
  const text = await eventually(
    async () => {
      const rows = await db.query<{ text: string }>(
        `SELECT text FROM kernel.dev_mailbox WHERE recipient = lower($1) AND kind = $2 ORDER BY id DESC OFFSET 0`,
        [email, kind],
      );
      return rows.length > after ? rows[0].text : undefined;
    },
    10_000,
    `${kind} mail to ${email}`,
  );
  const match = TOKEN_IN_LINK.exec(text);
  if (!match) throw new Error(`no token in the ${kind} mail`);
  return match[1];
}

/** Mails of `kind` to `email` in the development mailbox. */
export async function mailboxCount(db: TestDatabase, email: string, kind?: string): Promise<number> {
  const [{ n }] = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM kernel.dev_mailbox WHERE recipient = lower($1) AND ($2::text IS NULL OR kind = $2)`,
    [email, kind ?? null],
  );
  return Number(n);
}

/** The token of the newest SMTP message to `email` whose kind header is `kind`. */
export async function smtpToken(smtp: TestSmtp, email: string, kind: string): Promise<string> {
  const mail = await eventually(
    async () =>
      [...smtp.received].reverse().find((m) => m.to.includes(email.toLowerCase()) && m.raw.includes(`X-User-Engine-Kind: ${kind}`)),
    10_000,
    `${kind} mail over SMTP`,
  );
  const match = TOKEN_IN_LINK.exec(decodedBody(mail.raw));
  if (!match) throw new Error(`no token in the ${kind} mail`);
  return match[1];
}

/** The server's last error log lines, so that a failed set-up step in CI says why. */
export function serverErrors(t: TestApp): string {
  const errors = t.logs.filter((l) => l.level === 'error' || l.level === 'fatal').slice(-3);
  return errors.length ? `\nserver errors: ${JSON.stringify(errors)}` : '';
}

export interface SignedIn {
  email: string;
  password: string;
  userId: string;
  accessToken: string;
  refreshToken: string;
  sessionId: string;
}

/** Registers, verifies through the development mailbox and signs in. */
export async function signUp(t: TestApp, db: TestDatabase, options: { email?: string; password?: string } = {}): Promise<SignedIn> {
  const email = options.email ?? uniqueEmail();
  const password = options.password ?? GOOD_PASSWORD;
  const reg = await post(t, '/v1/users', { email, password });
  if (reg.statusCode !== 202) throw new Error(`register: ${reg.statusCode} ${reg.body}${serverErrors(t)}`);
  const token = await mailboxToken(db, email, 'account.verify-email');
  const verified = await post(t, '/v1/users/verify-email', { token });
  if (verified.statusCode !== 200) throw new Error(`verify: ${verified.statusCode} ${verified.body}${serverErrors(t)}`);
  return signIn(t, email, password);
}

export async function signIn(t: TestApp, email: string, password: string): Promise<SignedIn> {
  const res = await post(t, '/v1/auth/login', { email, password });
  if (res.statusCode !== 200) throw new Error(`login: ${res.statusCode} ${res.body}${serverErrors(t)}`);
  const body = res.json<{ access_token: string; refresh_token: string; session_id: string; user: { id: string } }>();
  return {
    email,
    password,
    userId: body.user.id,
    accessToken: body.access_token,
    refreshToken: body.refresh_token,
    sessionId: body.session_id,
  };
}
