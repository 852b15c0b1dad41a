import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { InternalProfileProjectionV1 } from '@user-engine/contracts';
import { GetUsersByIds, type UserView } from '@user-engine/account';
import {
  ApiProblems,
  CurrentService,
  INTERNAL_KEY_PROBLEMS,
  INTERNAL_SECURITY,
  INVALID_REQUEST,
  ParseUuidPipe,
  RequireServiceScope,
  type ServicePrincipal,
  Scopes,
  TenantFromQuery,
  UnitOfWork,
} from '@user-engine/kernel';
import { GetMembership, GetTenant, type MemberView, type TenantView } from '@user-engine/tenancy';
import { ProfileErrors } from '../profile.errors';
import { GetProfileProjection } from '../queries/get-profile-projection/get-profile-projection.query';
import { ProfileProjectionQueryDto, ProfileProjectionResponse } from './profile.dto';

/**
 * Profile projections for sibling services: each application reads only what its catalog declares.
 * A key bound to a tenant is held to it by the guard (the tenant comes from `?tenant_id=`) and sees
 * only that tenant's members.
 */
@ApiTags('internal: profiles')
@ApiBearerAuth(INTERNAL_SECURITY)
@ApiProblems(...INTERNAL_KEY_PROBLEMS)
@Controller('internal/v1/users')
export class InternalProfilesController {
  constructor(
    private readonly queries: QueryBus,
    private readonly uow: UnitOfWork,
  ) {}

  @Get(':id/profile')
  @TenantFromQuery()
  @RequireServiceScope('profiles:read')
  @ApiOperation({
    summary: "A user's profile, as the calling application may see it",
    description:
      "The fields the application's catalog declares (profile_fields) and its own attributes, from the global profile or — with " +
      'tenant_id, or for a tenant-bound key — the effective profile in that tenant, of which the user must be a member.',
  })
  @ApiOkResponse({ type: ProfileProjectionResponse })
  @ApiProblems(INVALID_REQUEST, [404, 'ACCOUNT.USER_NOT_FOUND', 'TENANCY.NOT_FOUND', 'TENANCY.MEMBER_NOT_FOUND'])
  async projection(
    @Param('id', ParseUuidPipe) id: string,
    @Query() query: ProfileProjectionQueryDto,
    @CurrentService() service: ServicePrincipal,
  ): Promise<InternalProfileProjectionV1> {
    const userId = id.toLowerCase();
    const tenantId = query.tenant_id?.toLowerCase() ?? service.tenantId;
    const [user] = await this.queries.execute<GetUsersByIds, UserView[]>(new GetUsersByIds([userId]));
    if (!user || user.status === 'deleted') throw ProfileErrors.userNotFound();
    if (tenantId) {
      // The tenant may come from the key's binding rather than the request: read it in its own scope.
      const [tenant, member] = await this.uow.run(Scopes.tenant(tenantId), async () => [
        await this.queries.execute<GetTenant, TenantView | undefined>(new GetTenant(tenantId)),
        await this.queries.execute<GetMembership, MemberView | undefined>(new GetMembership(tenantId, userId)),
      ]);
      if (!tenant || tenant.status === 'deleted') throw ProfileErrors.tenantNotFound();
      if (!member) throw ProfileErrors.memberNotFound();
    }
    return this.queries.execute(new GetProfileProjection(userId, tenantId, service.applicationKey));
  }
}
