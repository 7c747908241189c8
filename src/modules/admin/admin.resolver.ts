import DataLoader from 'dataloader';
import { Arg, Authorized, Ctx, Directive, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { RateLimit } from '../../graphql/decorators/rate-limit';
import { requiresScopes } from '../organizations/requires-scopes';
import { SessionType } from '../sessions/session.type';
import { toSessionType } from '../sessions/session-rows';
import { AdminMembershipType, AdminUserConnectionType, AdminUserType } from './admin.types';
import { AdminDeleteUserInput, AdminUserFilterInput, BanUserInput } from './admin.inputs';
import { AdminService, type AdminUserView } from './admin.service';
import { AdminDetails } from './admin-details';
import { Admins } from './admins';

const ADMIN = requiresScopes('warden:admin');

/** Admin fields (contract, "Administration"): each asks Admins.requireAdmin first, then one service call. */
@Resolver()
export class AdminResolver {
  constructor(
    private readonly admins: Admins,
    private readonly service: AdminService,
  ) {}

  @Directive(ADMIN)
  @Query(() => AdminUserConnectionType, { description: 'Newest account first.' })
  async adminUsers(
    @Ctx() ctx: Context,
    @Arg('filter', () => AdminUserFilterInput, { nullable: true }) filter: AdminUserFilterInput | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<AdminUserConnectionType> {
    const admin = await this.admins.requireAdmin(ctx);
    return (await this.service.search(admin, filter, first ?? 20, after, ctx.meta)) as AdminUserConnectionType;
  }

  @Directive(ADMIN)
  @Query(() => AdminUserType, { nullable: true })
  async adminUser(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<AdminUserView | null> {
    const admin = await this.admins.requireAdmin(ctx);
    return this.service.user(admin, id, ctx.meta);
  }

  @Authorized()
  @RateLimit('admin.ban')
  @Directive(ADMIN)
  @Mutation(() => AdminUserType, { description: 'Ends every session of the user at once.' })
  async banUser(@Arg('input', () => BanUserInput) input: BanUserInput, @Ctx() ctx: Context): Promise<AdminUserView> {
    const admin = await this.admins.requireAdmin(ctx, { mutation: true });
    return this.service.ban(admin, input, ctx.meta);
  }

  @Authorized()
  @RateLimit('admin.unban')
  @Directive(ADMIN)
  @Mutation(() => AdminUserType)
  async unbanUser(@Arg('userId', () => ID) userId: string, @Ctx() ctx: Context): Promise<AdminUserView> {
    const admin = await this.admins.requireAdmin(ctx, { mutation: true });
    return this.service.unban(admin, userId, ctx.meta);
  }

  @Authorized()
  @RateLimit('admin.revoke-sessions')
  @Directive(ADMIN)
  @Mutation(() => Int, { description: 'Ends every session of the user (impersonation ones too); returns how many.' })
  async adminRevokeSessions(@Arg('userId', () => ID) userId: string, @Ctx() ctx: Context): Promise<number> {
    const admin = await this.admins.requireAdmin(ctx, { mutation: true });
    return this.service.revokeSessions(admin, userId, ctx.meta);
  }

  @Authorized()
  @RateLimit('admin.delete-user')
  @Directive(ADMIN)
  @Mutation(() => Boolean, { description: "Erases the account now, as the erasure job does after deleteAccount's grace period." })
  async adminDeleteUser(@Arg('input', () => AdminDeleteUserInput) input: AdminDeleteUserInput, @Ctx() ctx: Context): Promise<boolean> {
    const admin = await this.admins.requireAdmin(ctx, { mutation: true });
    return this.service.deleteUser(admin, input, ctx.meta);
  }
}

/** The per-user lists of AdminUser, loaded once per request for every user of the page. */
const loaders = new WeakMap<Context, AdminLoaders>();
interface AdminLoaders {
  memberships: DataLoader<string, AdminMembershipType[]>;
  mfa: DataLoader<string, boolean>;
  lastSignIn: DataLoader<string, Date | null>;
}

@Resolver(() => AdminUserType)
export class AdminUserFieldsResolver {
  constructor(private readonly details: AdminDetails) {}

  private loadersOf(ctx: Context): AdminLoaders {
    let found = loaders.get(ctx);
    if (!found) {
      found = {
        memberships: new DataLoader((ids: readonly string[]) => this.details.memberships(ids)),
        mfa: new DataLoader((ids: readonly string[]) => this.details.mfaEnabled(ids)),
        lastSignIn: new DataLoader((ids: readonly string[]) => this.details.lastSignIn(ids)),
      };
      loaders.set(ctx, found);
    }
    return found;
  }

  @FieldResolver(() => [AdminMembershipType])
  memberships(@Root() user: AdminUserView, @Ctx() ctx: Context): Promise<AdminMembershipType[]> {
    return this.loadersOf(ctx).memberships.load(user.id);
  }

  @FieldResolver(() => Boolean)
  mfaEnabled(@Root() user: AdminUserView, @Ctx() ctx: Context): Promise<boolean> {
    return this.loadersOf(ctx).mfa.load(user.id);
  }

  @FieldResolver(() => Date, { nullable: true })
  lastSignInAt(@Root() user: AdminUserView, @Ctx() ctx: Context): Promise<Date | null> {
    return this.loadersOf(ctx).lastSignIn.load(user.id);
  }

  @FieldResolver(() => [SessionType], { description: 'Live sessions, impersonation sessions included; current is false.' })
  async sessions(@Root() user: AdminUserView, @Ctx() ctx: Context): Promise<SessionType[]> {
    const sessions = await ctx.loaders.liveSessions.load(user.id);
    return sessions.map((s) => toSessionType(s, null));
  }
}
