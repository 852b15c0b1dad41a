import type { ConfigType } from '@nestjs/config';
import { defineConfig, env } from '@user-engine/kernel';

export const tenancyConfig = defineConfig('tenancy', {
  invitationTtl: env.duration('TENANCY_INVITATION_TTL', { default: 7 * 86_400_000, description: 'Validity of invitation links.' }),
  deletedRetention: env.duration('TENANCY_DELETED_RETENTION', {
    default: 30 * 86_400_000,
    description: 'How long a deleted tenant is kept (restorable by nobody, visible to operators) before its data is erased.',
  }),
  erasureInterval: env.duration('TENANCY_ERASURE_INTERVAL', {
    default: 3_600_000,
    description: 'How often this process erases deleted tenants whose retention period ended.',
  }),
  linkBaseUrl: env.optionalUrl('TENANCY_LINK_BASE_URL', {
    protocols: ['http', 'https'],
    description: 'Front end that opens invitation links (`/accept-invitation?token=`). Unset: PUBLIC_URL.',
  }),
});

export type TenancyConfig = ConfigType<typeof tenancyConfig>;
