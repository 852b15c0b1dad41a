import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { signUpDisplayName } from '../../domain/profile-fields';
import { ProfilesRepository } from '../../persistence/profiles.repository';
import { CreateProfile } from './create-profile.command';

@CommandHandler(CreateProfile)
export class CreateProfileHandler implements ICommandHandler<CreateProfile, boolean> {
  constructor(private readonly profiles: ProfilesRepository) {}

  execute(c: CreateProfile): Promise<boolean> {
    return this.profiles.create(c.userId, signUpDisplayName(c.displayName));
  }
}
