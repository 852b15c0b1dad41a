import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ProfilesRepository } from '../../persistence/profiles.repository';
import { RemoveMemberLayer } from './remove-member-layer.command';

@CommandHandler(RemoveMemberLayer)
export class RemoveMemberLayerHandler implements ICommandHandler<RemoveMemberLayer, boolean> {
  constructor(private readonly profiles: ProfilesRepository) {}

  execute(c: RemoveMemberLayer): Promise<boolean> {
    return this.profiles.removeLayer(c.tenantId, c.userId);
  }
}
