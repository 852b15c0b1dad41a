import { Reflector } from '@nestjs/core';
import { AccessGate, type AuthorizationRequest, Authenticated, requirementOf, RequirePermission } from './access-control';
import { Public } from './principal';
import type { Principal } from './principal';

const principal: Principal = {
  kind: 'user',
  userId: 'u',
  sessionId: 's',
  tokenId: 't',
  amr: ['pwd'],
  acr: 'aal1',
  issuedAt: 0,
  expiresAt: 0,
};
const request: AuthorizationRequest = {
  principal,
  requirement: { kind: 'tenant', permission: 'members:read' },
  tenantId: 'x',
  ip: '127.0.0.1',
  userAgent: null,
};

describe('AccessGate (deny by default)', () => {
  it('refuses to authenticate when no module provides authentication', () => {
    expect(() => new AccessGate().authenticate({} as never)).toThrow(expect.objectContaining({ code: 'AUTH.UNAUTHENTICATED' }));
  });

  it('refuses every permission when no module provides authorization', async () => {
    await expect(new AccessGate().authorize(request)).rejects.toMatchObject({ code: 'AUTHZ.FORBIDDEN' });
  });

  it('passes the decision to the authorizer it is given (allowed and denied)', async () => {
    const gate = new AccessGate();
    const seen: AuthorizationRequest[] = [];
    gate.useAuthorizer({
      authorize: async (r) => {
        seen.push(r);
        if (r.requirement.kind === 'member' || r.requirement.permission !== 'members:read') throw new Error('denied');
      },
    });
    await expect(gate.authorize(request)).resolves.toBeUndefined();
    await expect(gate.authorize({ ...request, requirement: { kind: 'platform', permission: 'platform:x.y' } })).rejects.toThrow('denied');
    expect(seen).toHaveLength(2);
  });
});

describe('requirementOf', () => {
  const reflector = new Reflector();

  it("takes the method's own rule over its controller's: a public controller does not open a guarded method", () => {
    @Public()
    class OpenController {
      @RequirePermission('members:read')
      guarded(): void {}
      open(): void {}
    }
    const proto = OpenController.prototype as unknown as Record<string, Function>;
    expect(requirementOf(reflector, [proto.guarded, OpenController])).toEqual({ kind: 'tenant', permission: 'members:read' });
    expect(requirementOf(reflector, [proto.open, OpenController])).toBe('public');
  });

  it("falls back to the controller's rule, and is undefined when nothing is declared (denied by the guard)", () => {
    @Authenticated()
    class MeLike {
      plain(): void {}
      @Public()
      anonymous(): void {}
    }
    class Bare {
      plain(): void {}
    }
    const proto = MeLike.prototype as unknown as Record<string, Function>;
    expect(requirementOf(reflector, [proto.plain, MeLike])).toEqual({ kind: 'authenticated' });
    expect(requirementOf(reflector, [proto.anonymous, MeLike])).toBe('public');
    expect(requirementOf(reflector, [(Bare.prototype as unknown as Record<string, Function>).plain, Bare])).toBeUndefined();
  });
});
