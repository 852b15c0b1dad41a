import { useTestApp } from './support/test-app';

const TENANT = '0190a4d6-ffff-7000-8000-00000000000f';
const OTHER = '0190a4d6-ffff-7000-8000-0000000000ff';

describe('Idempotency-Key on creating POSTs', () => {
  const ctx = useTestApp({ probe: true, env: { OUTBOX_DISPATCHER_ENABLED: 'false' } });

  const create = (text: string, key?: string, tenant = TENANT) =>
    ctx.t.inject({
      method: 'POST',
      url: `/v1/probe/tenants/${tenant}/notes`,
      payload: { text },
      headers: key ? { 'idempotency-key': key } : {},
    });
  const count = async () => (await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM probe.notes`))[0].n;

  it('same key + same body → the stored response, and the work happens once', async () => {
    const before = await count();
    const first = await create('once', 'key-1');
    const second = await create('once', 'key-1');
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.json()).toEqual(first.json());
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(await count()).toBe(before + 1);
    expect((await ctx.db.query(`SELECT count(*)::int AS n FROM kernel.outbox`))[0]).toEqual({ n: before + 1 });
  });

  it('same key + different body → 422, nothing written', async () => {
    await create('original', 'key-2');
    const before = await count();
    const res = await create('different', 'key-2');
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'KERNEL.IDEMPOTENCY_KEY_REUSED', status: 422 });
    expect(await count()).toBe(before);
  });

  it('the same key on another resource path is a different request → 422', async () => {
    await create('x', 'key-3');
    const res = await create('x', 'key-3', OTHER);
    expect(res.statusCode).toBe(422);
  });

  it('without a key every request does the work', async () => {
    const before = await count();
    await create('free');
    await create('free');
    expect(await count()).toBe(before + 2);
  });

  it('a failed request does not consume its key', async () => {
    const failed = await create('rollback', 'key-4');
    expect(failed.statusCode).toBe(409);
    expect(await ctx.db.query(`SELECT * FROM kernel.idempotency_keys WHERE key = 'key-4'`)).toEqual([]);
  });

  it('a request still in progress with the same key → 409 with Retry-After', async () => {
    await ctx.db.query(
      `INSERT INTO kernel.idempotency_keys (scope, key, request_hash, status, expires_at)
       SELECT scope, 'key-5', request_hash, 'processing', now() + interval '1 hour' FROM kernel.idempotency_keys WHERE key = 'key-1'`,
    );
    // Same hash as key-1's request ('once'), so it is a genuine duplicate of an unfinished request.
    const res = await create('once', 'key-5');
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('KERNEL.IDEMPOTENCY_IN_PROGRESS');
    expect(res.headers['retry-after']).toBe('1');
  });

  it('an expired key is forgotten', async () => {
    await ctx.db.query(`UPDATE kernel.idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'key-1'`);
    const before = await count();
    const res = await create('once', 'key-1');
    expect(res.statusCode).toBe(201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(await count()).toBe(before + 1);
  });

  it('a malformed key → 400', async () => {
    const res = await create('x', 'bad key with spaces');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'KERNEL.IDEMPOTENCY_KEY_INVALID', errors: [{ path: 'Idempotency-Key' }] });
  });
});

describe('cursor pagination', () => {
  const ctx = useTestApp({ probe: true, env: { OUTBOX_DISPATCHER_ENABLED: 'false' } });

  beforeAll(async () => {
    for (let i = 0; i < 7; i++) {
      await ctx.t.inject({ method: 'POST', url: `/v1/probe/tenants/${TENANT}/notes`, payload: { text: `n${i}` } });
    }
    await ctx.t.inject({ method: 'POST', url: `/v1/probe/tenants/${OTHER}/notes`, payload: { text: 'other tenant' } });
  });

  it('walks every item exactly once, in order, and ends with next_cursor null', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/v1/probe/tenants/${TENANT}/notes?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await ctx.t.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      const body = res.json<{ items: { text: string }[]; next_cursor: string | null }>();
      seen.push(...body.items.map((i) => i.text));
      cursor = body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
  });

  it('defaults the page size and caps it', async () => {
    const res = await ctx.t.inject({ method: 'GET', url: `/v1/probe/tenants/${TENANT}/notes` });
    expect(res.json().items).toHaveLength(7);
    expect(res.json().next_cursor).toBeNull();
    const tooBig = await ctx.t.inject({ method: 'GET', url: `/v1/probe/tenants/${TENANT}/notes?limit=101` });
    expect(tooBig.statusCode).toBe(400);
    expect(tooBig.json().errors[0]).toMatchObject({ path: 'limit', rule: 'max' });
  });

  it('rejects a cursor from another list or a forged one', async () => {
    const otherList = Buffer.from(JSON.stringify({ l: 'other.list', k: ['x'] })).toString('base64url');
    // Right list and shape, but a value the sort column cannot hold.
    const wrongType = Buffer.from(JSON.stringify({ l: 'probe.notes', k: ['not-a-uuid'] })).toString('base64url');
    for (const cursor of [otherList, wrongType]) {
      const res = await ctx.t.inject({ method: 'GET', url: `/v1/probe/tenants/${TENANT}/notes?cursor=${cursor}` });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('KERNEL.INVALID_CURSOR');
    }
  });
});
