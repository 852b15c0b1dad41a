import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { AttributeCatalog } from '@user-engine/kernel';
import { ProfilesRepository } from '../../persistence/profiles.repository';
import { type ProfileView, toProfileView } from '../views';
import { GetProfile } from './get-profile.query';

@QueryHandler(GetProfile)
export class GetProfileHandler implements IQueryHandler<GetProfile, ProfileView> {
  constructor(
    private readonly profiles: ProfilesRepository,
    private readonly catalog: AttributeCatalog,
  ) {}

  async execute(q: GetProfile): Promise<ProfileView> {
    return toProfileView(q.userId, await this.profiles.find(q.userId), this.catalog);
  }
}
