import { Arg, Authorized, Ctx, Directive, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { RateLimit } from '../../graphql/decorators/rate-limit';
import { RecentAuth } from '../../graphql/decorators/recent-auth';
import { requireSelf } from '../../graphql/viewer-only';
import { UserType } from '../users/user.type';
import { OrganizationType } from '../organizations/organization.type';
import type { ApiKeyEntity } from './api-key.entity';
import { ApiKeySecretType, ApiKeyType } from './api-key.type';
import { CreateApiKeyInput } from './api-keys.inputs';
import { ApiKeysService } from './api-keys.service';
import { requiresScopes } from '../organizations/requires-scopes';
import { requireCaller } from '../organizations/organizations.resolver';
import { OrganizationsService } from '../organizations/organizations.service';

export function toApiKey(row: ApiKeyEntity): ApiKeyType {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    organizationId: row.organizationId,
    createdByUserId: row.createdByUserId,
    scopes: row.scopes,
    allowedOperations: row.allowedOperations,
    rateLimitPerMinute: row.rateLimitPerMinute,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    expiresAt: row.expiresAt,
  };
}

function toSecret(result: { key: ApiKeyEntity; secret: string }): ApiKeySecretType {
  return { apiKey: toApiKey(result.key), secret: result.secret };
}

/** createApiKey, rotateApiKey, revokeApiKey (contract, "API keys"). Thin: one service call each. */
@Resolver()
export class ApiKeysResolver {
  constructor(private readonly keys: ApiKeysService) {}

  @Authorized()
  @RateLimit('api-keys.create')
  @RecentAuth()
  @Mutation(() => ApiKeySecretType, { description: "Recent authentication; an organization's key needs api_keys:manage there." })
  async createApiKey(@Arg('input', () => CreateApiKeyInput) input: CreateApiKeyInput, @Ctx() ctx: Context): Promise<ApiKeySecretType> {
    return toSecret(await this.keys.create(await ctx.requireViewer(), input, ctx.meta));
  }

  @Authorized()
  @RateLimit('api-keys.rotate')
  @RecentAuth()
  @Mutation(() => ApiKeySecretType, {
    description: 'Recent authentication. A new key with the same settings; the old one expires after overlapSeconds (0 to 604800).',
  })
  async rotateApiKey(
    @Arg('id', () => ID) id: string,
    @Arg('overlapSeconds', () => Int, { nullable: true, defaultValue: 86400 }) overlapSeconds: number | null,
    @Ctx() ctx: Context,
  ): Promise<ApiKeySecretType> {
    return toSecret(await this.keys.rotate(await ctx.requireViewer(), id, overlapSeconds ?? 86400, ctx.meta));
  }

  @Authorized()
  @RateLimit('api-keys.revoke')
  @Mutation(() => Boolean, { description: 'Refused at once, its exchanged tokens too.' })
  async revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<boolean> {
    await this.keys.revoke(await ctx.requireViewer(), id, ctx.meta);
    return true;
  }
}

/** User.apiKeys: the viewer's personal keys. */
@Resolver(() => UserType)
export class ApiKeysUserResolver {
  constructor(private readonly keys: ApiKeysService) {}

  @FieldResolver(() => [ApiKeyType], { description: "Only resolvable on the viewer: the viewer's personal API keys." })
  async apiKeys(@Root() user: UserType, @Ctx() ctx: Context): Promise<ApiKeyType[]> {
    const self = await requireSelf(ctx, user.id);
    return (await this.keys.list({ userId: self.userId })).map(toApiKey);
  }
}

/** Organization.apiKeys: for a member with api_keys:manage. */
@Resolver(() => OrganizationType)
export class ApiKeysOrganizationResolver {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly orgs: OrganizationsService,
  ) {}

  @Directive(requiresScopes('api_keys:manage'))
  @FieldResolver(() => [ApiKeyType])
  async apiKeys(@Root() org: OrganizationType, @Ctx() ctx: Context): Promise<ApiKeyType[]> {
    await requireCaller(ctx, this.orgs, org.id, 'api_keys:manage');
    return (await this.keys.list({ organizationId: org.id })).map(toApiKey);
  }
}
