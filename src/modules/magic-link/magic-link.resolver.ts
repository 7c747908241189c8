import { CaptchaToken } from '../../graphql/decorators/captcha-token';
import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { RateLimit } from '../../graphql/decorators/rate-limit';
import type { Context } from '../../graphql/context';
import { RequestMagicLinkInput } from './request-magic-link.input';
import { RequestAcceptedType } from './request-accepted.type';
import type { MagicLinkService } from './magic-link.service';
import { AuthPayloadType } from '../sessions/auth-payload.type';
import { toAuthPayload } from '../sessions/auth-payload';

@Resolver()
export class MagicLinkResolver {
  constructor(private readonly magicLinks: MagicLinkService) {}

  @RateLimit('magic-link.request')
  @Mutation(() => RequestAcceptedType, { description: 'Always answers ok: true; sends a single-use sign-in link when the account exists.' })
  async requestMagicLink(
    @Arg('input', () => RequestMagicLinkInput) input: RequestMagicLinkInput,
    @CaptchaToken() _captchaToken: string | null,
    @Ctx() ctx: Context,
  ): Promise<RequestAcceptedType> {
    await this.magicLinks.request(input, ctx.meta);
    return { ok: true };
  }

  @RateLimit('magic-link.verify')
  @Mutation(() => AuthPayloadType, { description: 'Consumes a magic-link token; signs in.' })
  async verifyMagicLink(@Arg('token', () => String) token: string, @Ctx() ctx: Context): Promise<AuthPayloadType> {
    return toAuthPayload(ctx, await this.magicLinks.verify(token, ctx.meta));
  }
}
