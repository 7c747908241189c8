import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { requireSelf } from '../../graphql/viewer-only';
import { UserType } from '../users/user.type';
import type { AccountService } from './account.service';
import { SecurityEventConnectionType } from './account.types';

/** The account module's fields on User (type-graphql merges them with users/viewer.resolver.ts). */
@Resolver(() => UserType)
export class AccountUserResolver {
  constructor(private readonly account: AccountService) {}

  @FieldResolver(() => SecurityEventConnectionType, {
    description: 'Only resolvable on the viewer: sign-ins, changes and failures on this account, newest first.',
  })
  async securityEvents(
    @Root() user: UserType,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { defaultValue: 20 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<SecurityEventConnectionType> {
    await requireSelf(ctx, user.id);
    return this.account.securityEvents(user.id, first, after);
  }
}
