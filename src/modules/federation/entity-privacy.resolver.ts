import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { Direct } from '../../graphql/direct-resolvers';
import { selfOrNull, selfOrNullNow } from '../../graphql/viewer-only';
import { UserType } from '../users/user.type';

/**
 * email and phone are viewer-only (contract): a User reached any other way than as the bearer's own
 * (a federation `_entities` call resolving someone else, or no token at all) answers null for them.
 * Both are on every page-load `viewer` query: answered without a promise when the bearer is already known.
 */
@Resolver(() => UserType)
export class EntityPrivacyResolver {
  @Direct('User')
  @FieldResolver(() => String, { nullable: true })
  email(@Root() user: UserType, @Ctx() ctx: Context): string | null | Promise<string | null> {
    return EntityPrivacyResolver.ownOnly(user, ctx, user.email);
  }

  @Direct('User')
  @FieldResolver(() => String, { nullable: true })
  phone(@Root() user: UserType, @Ctx() ctx: Context): string | null | Promise<string | null> {
    return EntityPrivacyResolver.ownOnly(user, ctx, user.phone);
  }

  private static ownOnly(user: UserType, ctx: Context, value: string | null): string | null | Promise<string | null> {
    const self = selfOrNullNow(ctx, user.id);
    if (self !== undefined) return self ? value : null;
    return selfOrNull(ctx, user.id).then((known) => (known ? value : null));
  }
}
