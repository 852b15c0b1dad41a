import { defineEvent, IntegrationEvent } from './envelope';

describe('defineEvent', () => {
  it('names the event class and carries type, version and payload', () => {
    const UserCreated = defineEvent<{ user_id: string }>('user.created', 1);
    expect(UserCreated.type).toBe('user.created');
    expect(UserCreated.version).toBe(1);
    expect(UserCreated.name).toBe('UserCreatedV1');
    const e = new UserCreated({
      id: 'e1',
      type: 'user.created',
      version: 1,
      tenant_id: null,
      aggregate: { type: 'user', id: 'u1' },
      actor: null,
      request_id: null,
      occurred_at: '2026-01-01T00:00:00.000Z',
      payload: { user_id: 'u1' },
    });
    expect(e).toBeInstanceOf(IntegrationEvent);
    expect(e.payload).toEqual({ user_id: 'u1' });
  });
});
