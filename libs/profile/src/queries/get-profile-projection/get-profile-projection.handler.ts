import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import type { InternalProfileProjectionV1 } from '@user-engine/contracts';
import { AttributeCatalog } from '@user-engine/kernel';
import { projectProfile, resolveEffectiveProfile } from '../../domain/effective-profile';
import { ProfilesRepository } from '../../persistence/profiles.repository';
import { GetProfileProjection } from './get-profile-projection.query';

@QueryHandler(GetProfileProjection)
export class GetProfileProjectionHandler implements IQueryHandler<GetProfileProjection, InternalProfileProjectionV1> {
  constructor(
    private readonly profiles: ProfilesRepository,
    private readonly catalog: AttributeCatalog,
  ) {}

  async execute(q: GetProfileProjection): Promise<InternalProfileProjectionV1> {
    const rows = q.tenantId ? await this.profiles.findWithLayer(q.tenantId, q.userId) : { profile: await this.profiles.find(q.userId) };
    const effective = resolveEffectiveProfile(rows.profile, rows.layer, this.catalog.applications(), { tenant: q.tenantId !== null });
    const { fields, attributes } = projectProfile(effective, this.catalog.application(q.applicationKey));
    return { user_id: q.userId, tenant_id: q.tenantId, application: q.applicationKey, fields, attributes };
  }
}
