import type { MigrationClass } from '@user-engine/kernel';
import { KernelFoundation1795300000000 } from './1795300000000-kernel-foundation';
import { DevMailbox1795300000001 } from './1795300000001-dev-mailbox';

/** One ordered sequence for all modules. Append only; never reorder or edit an applied migration. */
export const MIGRATIONS: readonly MigrationClass[] = [KernelFoundation1795300000000, DevMailbox1795300000001];
