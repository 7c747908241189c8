import type { SignedIn } from '../sessions/sessions.service';
import { keyedHash } from '../../crypto/secret-token';
import { accountPaths, type AccountContext } from './account-context';
import { KnownDevices } from './known-devices';
import { networkOf, userAgentFamily } from './device-fingerprint';
import { newSignInMail } from './account-mail';

const DEVICE_PURPOSE = 'known-device';

/** The new-device notice: "new sign-in" mailed when a sign-in comes from a device the account has not used. */
export class NewDeviceNotice {
  private readonly knownDevices: KnownDevices;

  constructor(private readonly context: AccountContext) {
    this.knownDevices = new KnownDevices(context.deps.dataSource);
  }

  private get deps() {
    return this.context.deps;
  }

  /**
   * After a sign-in committed: remembers (user agent family, IP network) for the account; a pair not seen
   * before, on an account that already had one, mails "new sign-in". Runs outside any transaction.
   */
  async noticeDevice(signedIn: SignedIn): Promise<boolean> {
    const family = userAgentFamily(signedIn.meta.userAgent);
    const fingerprint = keyedHash(this.deps.hmacKey, DEVICE_PURPOSE, `${signedIn.userId}|${family}|${networkOf(signedIn.meta.ip)}`);
    const seen = await this.knownDevices.remember(signedIn.userId, fingerprint, signedIn.at);
    if (!seen.inserted) return false;
    if (seen.others === 0) return false; // the account's first device (its signup): nothing to compare with
    const user = await this.deps.users.findById(this.deps.dataSource.manager, signedIn.userId);
    if (!user?.email || user.deletedAt) return false;
    await this.context.notify(
      user.email,
      newSignInMail(this.deps.productName, signedIn.at, family, signedIn.meta.ip, this.context.url(accountPaths.security), await this.context.waysIn(user)),
      'new_sign_in_notice',
      user.id,
      signedIn.meta,
    );
    return true;
  }
}
