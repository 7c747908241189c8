import { CaptchaToken } from '../../graphql/decorators/captcha-token';
import { NotImpersonated } from '../../graphql/decorators/not-impersonated';
import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { JSONObjectResolver } from 'graphql-scalars';
import { RateLimit } from '../../graphql/decorators/rate-limit';
import { RecentAuth } from '../../graphql/decorators/recent-auth';
import type { Context } from '../../graphql/context';
import { AuthPayloadType } from '../sessions/auth-payload.type';
import { toAuthPayload } from '../sessions/auth-payload';
import { AuthChallengeType } from '../otp/auth-challenge.type';
import { RequestAcceptedType } from '../magic-link/request-accepted.type';
import { UserType } from '../users/user.type';
import { UsersService } from '../users/users.service';
import type { AccountService } from './account.service';
import { AccountDeletionType } from './account.types';
import {
  ChangePasswordInput,
  RecoverAccountInput,
  RequestAccountRecoveryInput,
  RequestEmailChangeInput,
  RequestPhoneChangeInput,
  SetPasswordInput,
  UpdateProfileInput,
} from './account.inputs';

/** The account lifecycle mutations (contract, second part). Thin: one service call each. */
@Resolver()
export class AccountResolver {
  constructor(private readonly account: AccountService) {}

  @Authorized()
  @RateLimit('account.update')
  @Mutation(() => UserType)
  async updateProfile(@Arg('input', () => UpdateProfileInput) input: UpdateProfileInput, @Ctx() ctx: Context): Promise<UserType> {
    return UsersService.toType(await this.account.updateProfile(await ctx.requireViewer(), input, ctx.meta));
  }

  @Authorized()
  @RateLimit('account.password')
  @NotImpersonated()
  @Mutation(() => AuthPayloadType, { description: 'Ends every other session; mails a notice.' })
  async changePassword(@Arg('input', () => ChangePasswordInput) input: ChangePasswordInput, @Ctx() ctx: Context): Promise<AuthPayloadType> {
    return toAuthPayload(ctx, await this.account.changePassword(await ctx.requireViewer(), input, ctx.meta));
  }

  @Authorized()
  @RateLimit('account.password')
  @RecentAuth()
  @Mutation(() => AuthPayloadType, { description: 'Recent authentication; for accounts that have no password yet.' })
  async setPassword(@Arg('input', () => SetPasswordInput) input: SetPasswordInput, @Ctx() ctx: Context): Promise<AuthPayloadType> {
    return toAuthPayload(ctx, await this.account.setPassword(await ctx.requireViewer(), input, ctx.meta));
  }

  @Authorized()
  @RateLimit('account.request-change')
  @RecentAuth()
  @Mutation(() => AuthChallengeType, {
    description:
      'Recent authentication. Emails an EMAIL_CHANGE code to the new address; finish with verifyOtp. The old address gets a notice with an undo link.',
  })
  async requestEmailChange(@Arg('input', () => RequestEmailChangeInput) input: RequestEmailChangeInput, @Ctx() ctx: Context): Promise<AuthChallengeType> {
    return this.account.requestEmailChange(await ctx.requireViewer(), input, ctx.meta);
  }

  @RateLimit('account.undo-email-change')
  @Mutation(() => RequestAcceptedType, { description: "From the old address's notice: restores it and ends every session." })
  async undoEmailChange(@Arg('token', () => String) token: string, @Ctx() ctx: Context): Promise<RequestAcceptedType> {
    return { ok: await this.account.undoEmailChange(token, ctx.meta) };
  }

  @Authorized()
  @RateLimit('account.request-change')
  @RecentAuth()
  @Mutation(() => AuthChallengeType, { description: 'Recent authentication. Texts a PHONE_CHANGE code; finish with verifyOtp.' })
  async requestPhoneChange(@Arg('input', () => RequestPhoneChangeInput) input: RequestPhoneChangeInput, @Ctx() ctx: Context): Promise<AuthChallengeType> {
    return this.account.requestPhoneChange(await ctx.requireViewer(), input, ctx.meta);
  }

  @Authorized()
  @RecentAuth()
  @Mutation(() => AccountDeletionType, { description: 'Recent authentication. Ends every session; the account is erased after the grace period.' })
  async deleteAccount(@Ctx() ctx: Context): Promise<AccountDeletionType> {
    const deletion = await this.account.deleteAccount(await ctx.requireViewer(), ctx.meta);
    ctx.refreshCookie.clear();
    return deletion;
  }

  @RateLimit('account.recovery')
  @Mutation(() => AuthChallengeType, {
    description: 'Same answer for every email; mails an ACCOUNT_RECOVERY code only to an account pending deletion.',
  })
  requestAccountRecovery(
    @Arg('input', () => RequestAccountRecoveryInput) input: RequestAccountRecoveryInput,
    @CaptchaToken() _captchaToken: string | null,
    @Ctx() ctx: Context,
  ): Promise<AuthChallengeType> {
    return this.account.requestAccountRecovery(input, ctx.meta);
  }

  @RateLimit('account.verify-recovery')
  @Mutation(() => AuthPayloadType, { description: 'Cancels the deletion and signs in.' })
  async recoverAccount(@Arg('input', () => RecoverAccountInput) input: RecoverAccountInput, @Ctx() ctx: Context): Promise<AuthPayloadType> {
    return toAuthPayload(ctx, await this.account.recoverAccount(input, ctx.meta));
  }

  @Authorized()
  @RecentAuth()
  @Mutation(() => JSONObjectResolver, { description: 'Recent authentication: everything stored about the viewer, without secrets.' })
  async exportAccountData(@Ctx() ctx: Context): Promise<Record<string, unknown>> {
    return this.account.exportAccountData(await ctx.requireViewer(), ctx.meta);
  }
}
