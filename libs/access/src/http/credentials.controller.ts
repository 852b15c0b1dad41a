import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  ApiProblems,
  type ClientInfo,
  CurrentClient,
  CurrentPrincipal,
  type Page,
  ParseUuidPipe,
  type Principal,
  RequirePlatformPermission,
} from '@user-engine/kernel';
import { AccessErrors } from '../access.errors';
import { CreateApiKey } from '../commands/create-api-key/create-api-key.command';
import { PublishCatalog } from '../commands/publish-catalog/publish-catalog.command';
import { RevokeApiKey } from '../commands/revoke-api-key/revoke-api-key.command';
import type { CatalogView } from '../queries/get-catalog/catalog.view';
import { GetCatalog } from '../queries/get-catalog/get-catalog.query';
import type { ApiKeyView } from '../queries/list-api-keys/api-key.view';
import { ListApiKeys } from '../queries/list-api-keys/list-api-keys.query';
import {
  ApiKeyListResponse,
  ApiKeyQueryDto,
  CatalogResponse,
  CreateApiKeyDto,
  CreatedApiKeyResponse,
  PublishCatalogDto,
} from './credentials.dto';
import { INVALID, PLATFORM_ONLY, TOKEN_PROBLEMS } from './problems';

const NOT_FOUND: [number, ...string[]] = [404, 'ACCESS.APPLICATION_NOT_FOUND'];

/** An application's API keys and its published catalog (platform operators). */
@ApiTags('applications')
@ApiBearerAuth()
@ApiProblems(TOKEN_PROBLEMS, PLATFORM_ONLY)
@Controller('v1/applications/:id')
export class CredentialsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post('api-keys')
  @HttpCode(201)
  @RequirePlatformPermission('platform:applications.manage')
  @ApiOperation({
    summary: 'Issue an API key',
    description:
      'The key (`ue_<env>_…`, 256 random bits) is in `secret` of this response only; User Engine keeps its SHA-256 and a short prefix. ' +
      'A key is platform-wide or bound to one tenant; its scopes limit what it can call on the internal API.',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyResponse })
  @ApiProblems(INVALID, NOT_FOUND, [409, 'ACCESS.APPLICATION_DISABLED'])
  createKey(
    @Param('id', ParseUuidPipe) id: string,
    @Body() body: CreateApiKeyDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ApiKeyView & { secret: string }> {
    // The secret must not linger in any cache between here and the operator.
    reply.header('cache-control', 'no-store');
    return this.commands.execute(
      new CreateApiKey(
        id.toLowerCase(),
        {
          name: body.name,
          scopes: body.scopes,
          tenantId: body.tenant_id?.toLowerCase() ?? null,
          expiresAt: body.expires_at ? new Date(body.expires_at) : null,
        },
        principal,
        client,
      ),
    );
  }

  @Get('api-keys')
  @RequirePlatformPermission('platform:applications.read')
  @ApiOperation({
    summary: "An application's API keys",
    description: 'Prefix, scopes, tenant, created, last used, expiry — never the secret.',
  })
  @ApiOkResponse({ type: ApiKeyListResponse })
  @ApiProblems(INVALID, NOT_FOUND)
  listKeys(@Param('id', ParseUuidPipe) id: string, @Query() q: ApiKeyQueryDto): Promise<Page<ApiKeyView>> {
    return this.queries.execute(new ListApiKeys(id.toLowerCase(), { status: q.status }, q));
  }

  @Delete('api-keys/:key_id')
  @HttpCode(204)
  @RequirePlatformPermission('platform:applications.manage')
  @ApiOperation({ summary: 'Revoke an API key', description: 'Immediate on every process; revoking a revoked key is a no-op.' })
  @ApiNoContentResponse()
  @ApiProblems(INVALID, [404, 'ACCESS.APPLICATION_NOT_FOUND', 'ACCESS.API_KEY_NOT_FOUND'])
  async revokeKey(
    @Param('id', ParseUuidPipe) id: string,
    @Param('key_id', ParseUuidPipe) keyId: string,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<void> {
    await this.commands.execute(new RevokeApiKey(id.toLowerCase(), keyId.toLowerCase(), principal, client));
  }

  @Put('catalog')
  @RequirePlatformPermission('platform:applications.manage')
  @ApiOperation({
    summary: 'Publish a catalog version',
    description:
      "The application's permissions (in its namespace, e.g. `billing:invoices.read`), profile attributes and the standard profile fields its projection reads. " +
      'Leaving out a permission that custom roles hold is refused unless it is listed in `deprecated`. ' +
      'Publishing the current catalog again returns it unchanged (200); a new version answers 201 and emits `application.catalog_published`.',
  })
  @ApiOkResponse({ type: CatalogResponse, description: 'Unchanged: the current version.' })
  @ApiCreatedResponse({ type: CatalogResponse, description: 'A new version.' })
  @ApiProblems(INVALID, NOT_FOUND, [409, 'ACCESS.APPLICATION_DISABLED', 'ACCESS.CATALOG_PERMISSION_IN_USE', 'ACCESS.CATALOG_INCOMPATIBLE'])
  async publish(
    @Param('id', ParseUuidPipe) id: string,
    @Body() body: PublishCatalogDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CatalogView> {
    const input = {
      permissions: body.permissions,
      attributes: body.attributes ?? [],
      deprecated: body.deprecated ?? [],
      profile_fields: body.profile_fields ?? [],
    };
    const result = await this.commands.execute<PublishCatalog, { catalog: CatalogView; created: boolean }>(
      new PublishCatalog(id.toLowerCase(), input, principal, client),
    );
    reply.status(result.created ? 201 : 200);
    return result.catalog;
  }

  @Get('catalog')
  @RequirePlatformPermission('platform:applications.read')
  @ApiOperation({ summary: "An application's current catalog" })
  @ApiOkResponse({ type: CatalogResponse })
  @ApiProblems([404, 'ACCESS.APPLICATION_NOT_FOUND', 'ACCESS.CATALOG_NOT_FOUND'])
  async catalog(@Param('id', ParseUuidPipe) id: string): Promise<CatalogView> {
    const found = await this.queries.execute<GetCatalog, CatalogView | undefined>(new GetCatalog(id.toLowerCase()));
    if (!found) throw AccessErrors.catalogNotFound();
    return found;
  }
}
