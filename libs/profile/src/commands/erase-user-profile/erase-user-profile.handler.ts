import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ProfilesRepository } from '../../persistence/profiles.repository';
import { EraseUserProfile } from './erase-user-profile.command';

@CommandHandler(EraseUserProfile)
export class EraseUserProfileHandler implements ICommandHandler<EraseUserProfile, { profile: boolean; tenants: string[] }> {
  constructor(private readonly profiles: ProfilesRepository) {}

  execute(c: EraseUserProfile): Promise<{ profile: boolean; tenants: string[] }> {
    return this.profiles.eraseUser(c.userId);
  }
}
