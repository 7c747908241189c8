import { Arg, Authorized, Ctx, Directive, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { RateLimit } from '../../graphql/decorators/rate-limit';
import { selfOrNull } from '../../graphql/viewer-only';
import { requiresScopes } from '../organizations/requires-scopes';
import { UserType } from '../users/user.type';
import { ImpersonationPayloadType, ImpersonatorType } from './admin.types';
import { StartImpersonationInput } from './admin.inputs';
import { ImpersonationService } from './impersonation.service';
import { Admins } from './admins';

/** startImpersonation / stopImpersonation, and User.impersonator. */
@Resolver()
export class ImpersonationResolver {
  constructor(
    private readonly admins: Admins,
    private readonly impersonation: ImpersonationService,
  ) {}

  @Authorized()
  @RateLimit('admin.start-impersonation')
  @Directive(requiresScopes('warden:admin'))
  @Mutation(() => ImpersonationPayloadType)
  async startImpersonation(
    @Arg('input', () => StartImpersonationInput) input: StartImpersonationInput,
    @Ctx() ctx: Context,
  ): Promise<ImpersonationPayloadType> {
    const admin = await this.admins.requireAdmin(ctx, { mutation: true });
    return this.impersonation.start(admin, input, ctx.meta);
  }

  @Authorized()
  @RateLimit('admin.stop-impersonation')
  @Mutation(() => Boolean, { description: 'With the impersonation token: ends its session.' })
  async stopImpersonation(@Ctx() ctx: Context): Promise<boolean> {
    return this.impersonation.stop(await ctx.requireViewer(), ctx.meta);
  }
}

@Resolver(() => UserType)
export class ImpersonatorUserResolver {
  constructor(private readonly impersonation: ImpersonationService) {}

  @FieldResolver(() => ImpersonatorType, {
    nullable: true,
    description: 'Only resolvable on the viewer: the acting admin, when the bearer is an impersonation token.',
  })
  async impersonator(@Root() user: UserType, @Ctx() ctx: Context): Promise<ImpersonatorType | null> {
    const self = await selfOrNull(ctx, user.id);
    return self ? this.impersonation.impersonator(self) : null;
  }
}
