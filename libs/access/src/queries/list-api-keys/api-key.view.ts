import type { ApiKeyRow } from '../../persistence/api-keys.repository';

/** An API key as operators see it: never the secret, only its prefix. */
export interface ApiKeyView {
  id: string;
  application_id: string;
  name: string;
  prefix: string;
  scopes: string[];
  tenant_id: string | null;
  status: 'active' | 'expired' | 'revoked';
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

export function toApiKeyView(k: ApiKeyRow, now = new Date()): ApiKeyView {
  return {
    id: k.id,
    application_id: k.application_id,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    tenant_id: k.tenant_id,
    status: k.revoked_at ? 'revoked' : k.expires_at && k.expires_at <= now ? 'expired' : 'active',
    created_at: k.created_at.toISOString(),
    last_used_at: k.last_used_at?.toISOString() ?? null,
    expires_at: k.expires_at?.toISOString() ?? null,
    revoked_at: k.revoked_at?.toISOString() ?? null,
  };
}
