import type { NotificationSubscriber, PgNotifications, UnitOfWork } from '@user-engine/kernel';
import type { AccountConfig } from '../account.config';
import { RevocationList } from './revocation-list';

/** A revocation heard while the list reloads must survive the (older) snapshot the reload installs. */
describe('RevocationList', () => {
  function setup() {
    let subscriber!: NotificationSubscriber;
    let release!: (rows: [unknown[], unknown[]]) => void;
    const notifications = { subscribe: (_c: string, s: NotificationSubscriber) => (subscriber = s) } as unknown as PgNotifications;
    // The reload's query result is held until the test releases it.
    const uow = { run: () => new Promise((r) => (release = r)) } as unknown as UnitOfWork;
    const list = new RevocationList(uow, notifications, { accessTokenTtl: 600_000 } as AccountConfig);
    list.onModuleInit();
    return { list, subscriber: () => subscriber, release: (rows: [unknown[], unknown[]]) => release(rows) };
  }

  it('keeps a session revocation heard during a reload whose snapshot predates it (allowed: others stay valid)', async () => {
    const { list, subscriber, release } = setup();
    const reload = subscriber().onResync();
    subscriber().onMessage(JSON.stringify({ s: 'session-b' }));
    release([[{ id: 'session-a', at: new Date() }], []]);
    await reload;
    expect(list.isRevoked('u1', 'session-a', 0)).toBe(true); // from the snapshot
    expect(list.isRevoked('u1', 'session-b', 0)).toBe(true); // heard meanwhile
    expect(list.isRevoked('u1', 'session-c', 0)).toBe(false);
  });

  it('keeps a user revocation heard during a reload; tokens issued from its second on stay valid', async () => {
    const { list, subscriber, release } = setup();
    const reload = subscriber().onResync();
    const at = 1_800_000_000_500; // ms
    subscriber().onMessage(JSON.stringify({ u: 'u2', b: at }));
    release([[], []]);
    await reload;
    expect(list.isRevoked('u2', 'any', 1_799_999_999)).toBe(true);
    expect(list.isRevoked('u2', 'any', 1_800_000_000)).toBe(false);
    expect(list.isRevoked('u3', 'any', 1_799_999_999)).toBe(false);
  });
});
