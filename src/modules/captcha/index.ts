import type { WardenModule } from '../module';
import { captchaDeclarations } from './captcha.declarations';
import { CaptchaService } from './captcha.service';
import { CaptchaResolver } from './captcha.resolver';

/**
 * The adaptive CAPTCHA (docs/bot-defences.md): Query.captchaChallenge, and a field guard (ModuleHooks.fieldGuards)
 * that rate-limits' @RateLimit asks on every executed field; it acts on the six sign-in and sending mutations only.
 */
export const captchaModule: WardenModule = {
  name: 'captcha',
  build(kernel) {
    const { config } = kernel;
    const hostOf = (origin: string) => new URL(origin).hostname.toLowerCase();
    const captcha = new CaptchaService({
      config: config.captcha,
      limits: kernel.limits,
      kv: kernel.kv,
      hmacKey: kernel.keys.hmacKey,
      audit: kernel.audit,
      allowedHostnames: [...new Set([hostOf(config.appUrl), ...config.corsOrigins.map(hostOf)])],
      nowMs: kernel.clock.nowMs,
    });
    return { instances: [captcha, new CaptchaResolver(captcha)], hooks: { fieldGuards: [captcha] } };
  },
  entities: [],
  resolvers: [CaptchaResolver],
  ...captchaDeclarations,
};
