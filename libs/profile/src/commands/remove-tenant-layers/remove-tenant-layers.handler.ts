import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ProfilesRepository } from '../../persistence/profiles.repository';
import { RemoveTenantLayers } from './remove-tenant-layers.command';

@CommandHandler(RemoveTenantLayers)
export class RemoveTenantLayersHandler implements ICommandHandler<RemoveTenantLayers, number> {
  constructor(private readonly profiles: ProfilesRepository) {}

  execute(c: RemoveTenantLayers): Promise<number> {
    return this.profiles.removeTenantLayers(c.tenantId);
  }
}
