import type { MigrationClass } from '@user-engine/kernel';
import { KernelFoundation1795300000000 } from './1795300000000-kernel-foundation';
import { DevMailbox1795300000001 } from './1795300000001-dev-mailbox';
import { Account1795400000000 } from './1795400000000-account';
import { AuditPlatformAppend1795400000001 } from './1795400000001-audit-platform-append';
import { Tenancy1795500000000 } from './1795500000000-tenancy';
import { Access1795500000001 } from './1795500000001-access';
import { AccountUserSearch1795500000002 } from './1795500000002-account-user-search';
import { Applications1795600000000 } from './1795600000000-applications';
import { ApiKeysAndCatalogs1795600000001 } from './1795600000001-api-keys-and-catalogs';
import { Profiles1795700000000 } from './1795700000000-profiles';
import { CatalogProfileFields1795700000001 } from './1795700000001-catalog-profile-fields';
import { Subscriptions1795800000000 } from './1795800000000-subscriptions';

/** One ordered sequence for all modules. Append only; never reorder or edit an applied migration. */
export const MIGRATIONS: readonly MigrationClass[] = [
  KernelFoundation1795300000000,
  DevMailbox1795300000001,
  Account1795400000000,
  AuditPlatformAppend1795400000001,
  Tenancy1795500000000,
  Access1795500000001,
  AccountUserSearch1795500000002,
  Applications1795600000000,
  ApiKeysAndCatalogs1795600000001,
  Profiles1795700000000,
  CatalogProfileFields1795700000001,
  Subscriptions1795800000000,
];
