import { type ClientInfo, type Principal, Scopes, type Scope } from '@user-engine/kernel';
import type { CatalogInput } from '../../domain/catalog';

/** A platform operator publishes a new version of an application's catalog (permissions and profile attributes). */
export class PublishCatalog {
  readonly scope: Scope = Scopes.platform;

  constructor(
    readonly applicationId: string,
    readonly input: CatalogInput,
    readonly actor: Principal,
    readonly client: ClientInfo,
  ) {}
}
