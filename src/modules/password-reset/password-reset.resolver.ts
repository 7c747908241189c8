import { CaptchaToken } from '../../graphql/decorators/captcha-token';
import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { RateLimit } from '../../graphql/decorators/rate-limit';
import type { Context } from '../../graphql/context';
import { RequestPasswordResetInput } from './request-password-reset.input';
import { ResetPasswordInput } from './reset-password.input';
import type { PasswordResetService } from './password-reset.service';
import { AuthChallengeType } from '../otp/auth-challenge.type';
import { AuthPayloadType } from '../sessions/auth-payload.type';
import { toAuthPayload } from '../sessions/auth-payload';

@Resolver()
export class PasswordResetResolver {
  constructor(private readonly resets: PasswordResetService) {}

  @RateLimit('password-reset.request')
  @Mutation(() => AuthChallengeType, { description: 'Emails a PASSWORD_RESET code and link; same answer for unknown emails.' })
  requestPasswordReset(
    @Arg('input', () => RequestPasswordResetInput) input: RequestPasswordResetInput,
    @CaptchaToken() _captchaToken: string | null,
    @Ctx() ctx: Context,
  ): Promise<AuthChallengeType> {
    return this.resets.request(input, ctx.meta);
  }

  @RateLimit('password-reset.reset')
  @Mutation(() => AuthPayloadType, { description: 'Sets the new password, revokes every session of the account, signs in.' })
  async resetPassword(@Arg('input', () => ResetPasswordInput) input: ResetPasswordInput, @Ctx() ctx: Context): Promise<AuthPayloadType> {
    return toAuthPayload(ctx, await this.resets.reset(input, ctx.meta));
  }
}
