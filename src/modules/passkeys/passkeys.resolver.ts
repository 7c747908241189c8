import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { RateLimit } from '../../graphql/decorators/rate-limit';
import { RecentAuth } from '../../graphql/decorators/recent-auth';
import { requireSelf } from '../../graphql/viewer-only';
import { UserType } from '../users/user.type';
import { AuthPayloadType } from '../sessions/auth-payload.type';
import { toAuthPayload } from '../sessions/auth-payload';
import { PasskeyAuthenticationStartType, PasskeyRegistrationStartType, PasskeyType } from './passkey.type';
import { FinishPasskeyAuthenticationInput, FinishPasskeyRegistrationInput, StartPasskeyAuthenticationInput } from './passkeys.input';
import type { PasskeysService } from './passkeys.service';

@Resolver(() => UserType)
export class PasskeysResolver {
  constructor(private readonly service: PasskeysService) {}

  @FieldResolver(() => [PasskeyType], { description: "Only resolvable on the viewer: the viewer's passkeys." })
  async passkeys(@Root() user: UserType, @Ctx() ctx: Context): Promise<PasskeyType[]> {
    await requireSelf(ctx, user.id);
    return this.service.list(user.id);
  }

  @Authorized()
  @RateLimit('passkeys.registration-start')
  @RecentAuth()
  @Mutation(() => PasskeyRegistrationStartType, { description: 'Recent authentication. Options for navigator.credentials.create (startRegistration).' })
  async startPasskeyRegistration(@Ctx() ctx: Context): Promise<PasskeyRegistrationStartType> {
    return this.service.startRegistration(await ctx.requireViewer());
  }

  @Authorized()
  @RateLimit('passkeys.registration-finish')
  @Mutation(() => PasskeyType, { description: 'Stores the new passkey; mails a notice.' })
  async finishPasskeyRegistration(
    @Arg('input', () => FinishPasskeyRegistrationInput) input: FinishPasskeyRegistrationInput,
    @Ctx() ctx: Context,
  ): Promise<PasskeyType> {
    return this.service.finishRegistration(await ctx.requireViewer(), input, ctx.meta);
  }

  @RateLimit('passkeys.authentication-start')
  @Mutation(() => PasskeyAuthenticationStartType, { description: 'Options for navigator.credentials.get (startAuthentication, also with browser autofill).' })
  async startPasskeyAuthentication(
    @Arg('input', () => StartPasskeyAuthenticationInput) input: StartPasskeyAuthenticationInput,
  ): Promise<PasskeyAuthenticationStartType> {
    return this.service.startAuthentication(input);
  }

  @RateLimit('passkeys.authentication-finish')
  @Mutation(() => AuthPayloadType, { description: 'Signs in. A user-verifying passkey counts as two factors.' })
  async finishPasskeyAuthentication(
    @Arg('input', () => FinishPasskeyAuthenticationInput) input: FinishPasskeyAuthenticationInput,
    @Ctx() ctx: Context,
  ): Promise<AuthPayloadType> {
    return toAuthPayload(ctx, await this.service.finishAuthentication(input, ctx.meta));
  }

  @Authorized()
  @RateLimit('passkeys.rename')
  @Mutation(() => PasskeyType)
  async renamePasskey(@Arg('id', () => ID) id: string, @Arg('name', () => String) name: string, @Ctx() ctx: Context): Promise<PasskeyType> {
    return this.service.rename(await ctx.requireViewer(), id, name, ctx.meta);
  }

  @Authorized()
  @RateLimit('passkeys.remove')
  @RecentAuth()
  @Mutation(() => Boolean, { description: 'Recent authentication; refuses the last way to sign in.' })
  async removePasskey(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<boolean> {
    return this.service.remove(await ctx.requireViewer(), id, ctx.meta);
  }
}
