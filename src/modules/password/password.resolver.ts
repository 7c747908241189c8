import { CaptchaToken } from '../../graphql/decorators/captcha-token';
import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { RateLimit } from '../../graphql/decorators/rate-limit';
import type { Context } from '../../graphql/context';
import { AuthChallengeType } from '../otp/auth-challenge.type';
import { SignupInput } from './signup.input';
import { LoginInput } from './login.input';
import type { PasswordService } from './password.service';

@Resolver()
export class PasswordResolver {
  constructor(private readonly passwords: PasswordService) {}

  @RateLimit('password.signup')
  @Mutation(() => AuthChallengeType, {
    description:
      'Creates the account (email unverified) and emails a SIGNUP code. An email that is taken gets the same answer; its owner is told by email instead.',
  })
  signup(@Arg('input', () => SignupInput) input: SignupInput, @CaptchaToken() _captchaToken: string | null, @Ctx() ctx: Context): Promise<AuthChallengeType> {
    return this.passwords.signup(input, ctx.meta);
  }

  @RateLimit('password.login')
  @Mutation(() => AuthChallengeType, {
    description: 'Checks the password, then emails a LOGIN code. Wrong email and wrong password fail alike.',
  })
  login(@Arg('input', () => LoginInput) input: LoginInput, @CaptchaToken() _captchaToken: string | null, @Ctx() ctx: Context): Promise<AuthChallengeType> {
    return this.passwords.login(input, ctx.meta);
  }
}
