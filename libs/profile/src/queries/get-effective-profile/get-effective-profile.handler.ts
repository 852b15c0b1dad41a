import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { AttributeCatalog } from '@user-engine/kernel';
import { ProfilesRepository } from '../../persistence/profiles.repository';
import { type EffectiveProfileView, toEffectiveView } from '../views';
import { GetEffectiveProfile } from './get-effective-profile.query';

@QueryHandler(GetEffectiveProfile)
export class GetEffectiveProfileHandler implements IQueryHandler<GetEffectiveProfile, EffectiveProfileView> {
  constructor(
    private readonly profiles: ProfilesRepository,
    private readonly catalog: AttributeCatalog,
  ) {}

  async execute(q: GetEffectiveProfile): Promise<EffectiveProfileView> {
    return toEffectiveView(q.tenantId, q.userId, await this.profiles.findWithLayer(q.tenantId, q.userId), this.catalog);
  }
}
