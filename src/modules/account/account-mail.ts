import { button, escapeHtml, layout, type RenderedMail } from '../../mail/templates/templates';

/** The messages of the account lifecycle; codes go through the shared code mail (codeMail). */
const notice = (product: string, subject: string, title: string, paragraphs: string[], link?: { url: string; label: string }): RenderedMail => ({
  subject: `${product}: ${subject}`,
  text: [title, ...paragraphs, ...(link ? [`${link.label}: ${link.url}`] : [])].join('\n\n'),
  html: layout(product, title, paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('') + (link ? button(link.url, link.label) : '')),
});

/** The "was this you?" part: the account's ways in (email, phone, passkeys, linked accounts), one line each. */
const waysInParagraphs = (waysIn: readonly string[]): string[] =>
  waysIn.length > 0 ? ['Your account can now be signed in to with:', waysIn.map((line) => `- ${line}`).join('\n')] : [];

export function emailChangeNoticeMail(product: string, newEmailMasked: string, undoUrl: string, days: number, waysIn: readonly string[] = []): RenderedMail {
  return notice(
    product,
    'your email address is being changed',
    'Your email address is being changed',
    [
      `Someone signed in to your ${product} account asked to change its email address to ${newEmailMasked}.`,
      `If this was not you, undo the change with the link below (it works once, for ${days} days, even after the new address was confirmed): it restores this address and signs out every session.`,
      ...waysInParagraphs(waysIn),
    ],
    { url: undoUrl, label: 'Undo this change' },
  );
}

export function emailTakenNoticeMail(product: string, appUrl: string): RenderedMail {
  return notice(product, 'someone tried to use your address', 'Someone tried to move an account to your address', [
    `A ${product} account asked to change its email address to this one, which already belongs to your account. Nothing was changed. If you know about it, you can ignore this message; otherwise no action is needed.`,
    `Sign in: ${appUrl}`,
  ]);
}

export function emailChangedMail(product: string): RenderedMail {
  return notice(product, 'your email address was changed', 'Your email address was changed', [
    `The email address of your ${product} account was changed to this one.`,
  ]);
}

export function accountDeletedMail(product: string, recoverUrl: string, eraseAt: Date): RenderedMail {
  return notice(
    product,
    'your account was deleted',
    'Your account was deleted',
    [
      `Your ${product} account was deleted and every session was signed out. It will be erased for good on ${eraseAt.toUTCString()}.`,
      'Changed your mind? Until then you can recover it: ask for a recovery code on the page below.',
    ],
    { url: recoverUrl, label: 'Recover my account' },
  );
}

export function passwordSetMail(product: string, waysIn: readonly string[] = []): RenderedMail {
  return notice(product, 'a password was set', 'A password was set on your account', [
    `A password was added to your ${product} account. If this was not you, reset it now and sign out every session.`,
    ...waysInParagraphs(waysIn),
  ]);
}

export function emailChangeUndoneMail(product: string, restoredMasked: string | null, securityUrl: string): RenderedMail {
  return notice(
    product,
    'your email address change was undone',
    'Your email address change was undone',
    [
      `The undo link mailed to the previous address of your ${product} account was used${restoredMasked ? `: its email address is ${restoredMasked} again` : ''}. Every session was signed out, and every code and link sent before was voided.`,
      "If this was not you, the previous mailbox is in someone else's hands: contact support before you sign in again.",
    ],
    { url: securityUrl, label: 'Review security activity' },
  );
}

export function phoneChangedMail(
  product: string,
  newPhoneMasked: string,
  oldPhoneMasked: string | null,
  waysIn: readonly string[],
  securityUrl: string,
): RenderedMail {
  const changed = oldPhoneMasked !== null;
  return notice(
    product,
    changed ? 'your phone number was changed' : 'a phone number was added',
    changed ? 'Your phone number was changed' : 'A phone number was added to your account',
    [
      changed
        ? `The phone number of your ${product} account was changed from ${oldPhoneMasked} to ${newPhoneMasked}. Codes sent by text now go to the new number, which can sign in.`
        : `The phone number ${newPhoneMasked} was added to your ${product} account and verified. Codes sent by text go to it, and it can sign in.`,
      'If this was not you, sign out every session and change your password now.',
      ...waysInParagraphs(waysIn),
    ],
    { url: securityUrl, label: 'Review security activity' },
  );
}

/** The text to the old number after a phone change (no link, no code). */
export function phoneChangedText(product: string): string {
  return `${product}: the phone number of your account was changed to another number. If this was not you, sign in and review your account's security now.`;
}

export function newSignInMail(product: string, at: Date, device: string, ip: string | null, securityUrl: string, waysIn: readonly string[] = []): RenderedMail {
  return notice(
    product,
    'new sign-in',
    'New sign-in to your account',
    [
      `Your ${product} account was signed in to from a device or network it has not used before.`,
      `When: ${at.toUTCString()}. Device: ${device}. IP address: ${ip ?? 'unknown'}.`,
      'If this was you, there is nothing to do. If not, review your sessions and change your password.',
      ...waysInParagraphs(waysIn),
    ],
    { url: securityUrl, label: 'Review security activity' },
  );
}
