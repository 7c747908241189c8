import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import { NotImpersonated } from '../../graphql/decorators/not-impersonated';
import type { Context } from '../../graphql/context';
import { RateLimit } from '../../graphql/decorators/rate-limit';
import { RecentAuth } from '../../graphql/decorators/recent-auth';
import { requireSelf } from '../../graphql/viewer-only';
import { UserType } from '../users/user.type';
import { AuthPayloadType } from '../sessions/auth-payload.type';
import { toAuthPayload } from '../sessions/auth-payload';
import { AuthChallengeType } from '../otp/auth-challenge.type';
import type { MfaService } from './mfa.service';
import { MfaFactorKind, MfaFactorType, RecoveryCodesType, TotpEnrollmentType } from './mfa.types';
import { ConfirmTotpEnrollmentInput, VerifyRecoveryCodeInput } from './mfa.inputs';

/** Second factors and re-authentication (issue #11). Thin over MfaService. */
@Resolver()
export class MfaResolver {
  constructor(private readonly mfa: MfaService) {}

  @Authorized()
  @RateLimit('mfa.enroll')
  @RecentAuth()
  @Mutation(() => TotpEnrollmentType, { description: 'Recent authentication. Starts a TOTP enrollment, pending until confirmed.' })
  async startTotpEnrollment(@Ctx() ctx: Context): Promise<TotpEnrollmentType> {
    return this.mfa.startTotpEnrollment(await ctx.requireViewer(), ctx.meta);
  }

  @Authorized()
  @RateLimit('mfa.enroll')
  @Mutation(() => RecoveryCodesType, {
    description: "Confirms with a first code; turns MFA on, ends the account's other sessions, returns recovery codes.",
  })
  async confirmTotpEnrollment(
    @Arg('input', () => ConfirmTotpEnrollmentInput) input: ConfirmTotpEnrollmentInput,
    @Ctx() ctx: Context,
  ): Promise<RecoveryCodesType> {
    return this.mfa.confirmTotpEnrollment(await ctx.requireViewer(), input, ctx.meta);
  }

  @Authorized()
  @RateLimit('mfa.enroll')
  @RecentAuth()
  @Mutation(() => Boolean, { description: 'Recent authentication; removing the last factor turns MFA off.' })
  async removeMfaFactor(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<boolean> {
    return this.mfa.removeFactor(await ctx.requireViewer(), id, ctx.meta);
  }

  @Authorized()
  @RateLimit('mfa.enroll')
  @RecentAuth()
  @Mutation(() => RecoveryCodesType, { description: 'Recent authentication; replaces every recovery code.' })
  async regenerateRecoveryCodes(@Ctx() ctx: Context): Promise<RecoveryCodesType> {
    return this.mfa.regenerateRecoveryCodes(await ctx.requireViewer(), ctx.meta);
  }

  @RateLimit('mfa.verify-recovery-code')
  @Mutation(() => AuthPayloadType, { description: 'Finishes an MFA challenge with a recovery code instead of an authenticator code.' })
  async verifyRecoveryCode(@Arg('input', () => VerifyRecoveryCodeInput) input: VerifyRecoveryCodeInput, @Ctx() ctx: Context): Promise<AuthPayloadType> {
    return toAuthPayload(ctx, await this.mfa.verifyRecoveryCode(input, ctx.meta));
  }

  @Authorized()
  @RateLimit('mfa.reauthenticate')
  @NotImpersonated()
  @Mutation(() => AuthChallengeType, {
    description: 'Opens a REAUTHENTICATION challenge (TOTP when enrolled, else an emailed code); finish with verifyOtp.',
  })
  async requestReauthentication(@Ctx() ctx: Context): Promise<AuthChallengeType> {
    return this.mfa.requestReauthentication(await ctx.requireViewer(), ctx.meta);
  }
}

/** User.mfaFactors and User.recoveryCodesRemaining: only resolvable on the viewer. */
@Resolver(() => UserType)
export class MfaUserFieldsResolver {
  constructor(private readonly mfa: MfaService) {}

  @FieldResolver(() => [MfaFactorType], { description: 'Only resolvable on the viewer.' })
  async mfaFactors(@Root() user: UserType, @Ctx() ctx: Context): Promise<MfaFactorType[]> {
    await requireSelf(ctx, user.id);
    const factors = await this.mfa.listFactors(user.id);
    return factors.map((f) => ({ id: f.id, type: MfaFactorKind.TOTP, name: f.name, createdAt: f.createdAt, lastUsedAt: f.lastUsedAt }));
  }

  @FieldResolver(() => Int, { description: 'Only resolvable on the viewer: unused recovery codes left.' })
  async recoveryCodesRemaining(@Root() user: UserType, @Ctx() ctx: Context): Promise<number> {
    await requireSelf(ctx, user.id);
    return this.mfa.recoveryCodesRemaining(user.id);
  }
}
