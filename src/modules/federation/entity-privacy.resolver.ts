import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { selfOrNull } from '../../graphql/viewer-only';
import { UserType } from '../users/user.type';

/**
 * email and phone are viewer-only (contract): a User reached any other way than as the bearer's own
 * (a federation `_entities` call resolving someone else, or no token at all) answers null for them.
 */
@Resolver(() => UserType)
export class EntityPrivacyResolver {
  @FieldResolver(() => String, { nullable: true })
  async email(@Root() user: UserType, @Ctx() ctx: Context): Promise<string | null> {
    return (await selfOrNull(ctx, user.id)) ? user.email : null;
  }

  @FieldResolver(() => String, { nullable: true })
  async phone(@Root() user: UserType, @Ctx() ctx: Context): Promise<string | null> {
    return (await selfOrNull(ctx, user.id)) ? user.phone : null;
  }
}
