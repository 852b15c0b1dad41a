import { DevMailbox, Mailer, Scopes, SmtpMailer, UnitOfWork } from '@user-engine/kernel';
import { runTs } from './support/child-process';
import { startSmtp } from './support/smtp';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { startTestApp, TEST_ENV, useTestApp } from './support/test-app';

const message = {
  to: 'Ada@Example.com',
  subject: 'Verify your email',
  text: 'Open https://app.example/verify?token=abc',
  html: '<p>Open</p>',
  kind: 'account.verify-email',
};

describe('mail over SMTP', () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let db: TestDatabase;

  beforeAll(async () => {
    smtp = await startSmtp();
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await smtp?.close();
    await db?.drop();
  });

  it('delivers the message, from MAIL_FROM, with text and HTML parts; the log has no body', async () => {
    const t = await startTestApp(db, { env: { SMTP_URL: smtp.url, MAIL_FROM: 'Accounts <accounts@example.test>' } });
    try {
      const mailer = t.get(Mailer);
      expect(mailer).toBeInstanceOf(SmtpMailer);
      await mailer.send(message);
      expect(smtp.received).toHaveLength(1);
      const [mail] = smtp.received;
      expect(mail.from).toBe('accounts@example.test');
      expect(mail.to).toEqual(['Ada@example.com']); // nodemailer lower-cases the domain
      expect(mail.raw).toContain('Subject: Verify your email');
      expect(mail.raw).toContain('https://app.example/verify?token=abc');
      expect(mail.raw).toMatch(/Content-Type: text\/html/);
      expect(mail.raw).toContain('X-User-Engine-Kind: account.verify-email');
      expect(JSON.stringify(t.logs)).not.toContain('token=abc');
    } finally {
      await t.close();
    }
  });

  it('an unreachable SMTP server is an error for the caller', async () => {
    const t = await startTestApp(db, { env: { SMTP_URL: 'smtp://127.0.0.1:1' } });
    try {
      await expect(t.get(Mailer).send(message)).rejects.toThrow();
    } finally {
      await t.close();
    }
  });
});

describe('development mailbox', () => {
  const ctx = useTestApp();

  it('without SMTP_URL, mail is stored, readable, and printed to the log with its link', async () => {
    const mailer = ctx.t.get(Mailer);
    expect(mailer).toBeInstanceOf(DevMailbox);
    await mailer.send(message);
    const [stored] = await (mailer as DevMailbox).list({ to: 'ada@example.com' });
    expect(stored).toMatchObject({
      to: 'ada@example.com',
      subject: 'Verify your email',
      kind: 'account.verify-email',
      html: '<p>Open</p>',
    });
    expect(await (mailer as DevMailbox).list({ to: 'someone@else.test' })).toEqual([]);
    expect(ctx.t.logs.some((l) => String(l.msg).includes('https://app.example/verify?token=abc'))).toBe(true);
  });

  it('the CLI shows the mailbox', async () => {
    const cli = runTs('apps/cli/src/main.ts', { ...TEST_ENV, DATABASE_URL: ctx.db.url }, ['mailbox', '--to', 'ada@example.com']);
    expect((await cli.exited).code).toBe(0);
    expect(cli.stdout()).toContain('Subject: Verify your email');
    expect(cli.stdout()).toContain('https://app.example/verify?token=abc');
  });

  it('a mail scheduled after commit is sent when the transaction commits, and never when it rolls back', async () => {
    const uow = ctx.t.get(UnitOfWork);
    const mailer = ctx.t.get(Mailer) as DevMailbox;
    await uow.run(Scopes.global, () => uow.afterCommit(() => mailer.send({ ...message, to: 'commit@example.test' })));
    await expect(
      uow.run(Scopes.global, async () => {
        await uow.afterCommit(() => mailer.send({ ...message, to: 'rollback@example.test' }));
        throw new Error('fails after scheduling');
      }),
    ).rejects.toThrow('fails after scheduling');
    // In a nested unit of work that fails, what it scheduled is dropped; the outer one's stays.
    await uow.run(Scopes.global, async () => {
      await uow.afterCommit(() => mailer.send({ ...message, to: 'outer@example.test' }));
      await uow
        .run(Scopes.global, async () => {
          await uow.afterCommit(() => mailer.send({ ...message, to: 'inner@example.test' }));
          throw new Error('inner fails');
        })
        .catch(() => undefined);
    });
    const recipients = (await mailer.list({ limit: 50 })).map((m) => m.to);
    expect(recipients).toEqual(expect.arrayContaining(['commit@example.test', 'outer@example.test']));
    expect(recipients).not.toContain('rollback@example.test');
    expect(recipients).not.toContain('inner@example.test');
  });
});

describe('production refuses the development mailbox', () => {
  const ctx = useTestApp({ app: false });

  it('NODE_ENV=production without SMTP_URL stops the start with a message naming SMTP_URL', async () => {
    const child = runTs('test/support/serve-child.ts', { ...TEST_ENV, NODE_ENV: 'production', DATABASE_URL: ctx.db.url, PORT: '0' });
    expect((await child.exited).code).toBe(1);
    expect(child.stderr()).toContain('SMTP_URL is required when NODE_ENV=production (an smtp:// or smtps:// URL)');
  });
});
