import { button, escapeHtml, layout, type RenderedMail } from '../../mail/templates/templates';

/** The messages of the account lifecycle; codes go through the shared code mail (codeMail). */
const notice = (product: string, subject: string, title: string, paragraphs: string[], link?: { url: string; label: string }): RenderedMail => ({
  subject: `${product}: ${subject}`,
  text: [title, ...paragraphs, ...(link ? [`${link.label}: ${link.url}`] : [])].join('\n\n'),
  html: layout(product, title, paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('') + (link ? button(link.url, link.label) : '')),
});

export function emailChangeNoticeMail(product: string, newEmailMasked: string, undoUrl: string, days: number): RenderedMail {
  return notice(
    product,
    'your email address is being changed',
    'Your email address is being changed',
    [
      `Someone signed in to your ${product} account asked to change its email address to ${newEmailMasked}.`,
      `If this was not you, undo the change with the link below (it works once, for ${days} days, even after the new address was confirmed): it restores this address and signs out every session.`,
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

export function passwordSetMail(product: string): RenderedMail {
  return notice(product, 'a password was set', 'A password was set on your account', [
    `A password was added to your ${product} account. If this was not you, reset it now and sign out every session.`,
  ]);
}

export function newSignInMail(product: string, at: Date, device: string, ip: string | null, securityUrl: string): RenderedMail {
  return notice(
    product,
    'new sign-in',
    'New sign-in to your account',
    [
      `Your ${product} account was signed in to from a device or network it has not used before.`,
      `When: ${at.toUTCString()}. Device: ${device}. IP address: ${ip ?? 'unknown'}.`,
      'If this was you, there is nothing to do. If not, review your sessions and change your password.',
    ],
    { url: securityUrl, label: 'Review security activity' },
  );
}
