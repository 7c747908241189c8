import { escapeHtml, layout, type RenderedMail } from '../../mail/templates/templates';

const notice = (product: string, subject: string, title: string, paragraphs: string[]): RenderedMail => ({
  subject: `${product}: ${subject}`,
  text: [title, ...paragraphs].join('\n\n'),
  html: layout(product, title, paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('')),
});

/** banUser: the account is suspended (never the admin's reason, which is for admins). */
export function accountBannedMail(product: string, until: Date | null): RenderedMail {
  return notice(product, 'your account was suspended', 'Your account was suspended', [
    `An administrator suspended your ${product} account${until ? ` until ${until.toISOString().replace('T', ' ').slice(0, 16)} UTC` : ''}. Every session was signed out, and signing in is refused until then.`,
    'If you think this is a mistake, reply to this message or contact support.',
  ]);
}

/** startImpersonation, when IMPERSONATION_NOTIFY_USER: an admin is signed in as the user (never the admin's reason). */
export function impersonationStartedMail(product: string, expiresAt: Date): RenderedMail {
  return notice(product, 'an administrator is viewing your account', 'An administrator is viewing your account', [
    `A ${product} administrator opened a support session on your account. It ends by ${expiresAt.toISOString().replace('T', ' ').slice(0, 16)} UTC at the latest, and cannot change your password, email, phone or sign-in methods.`,
    'It is listed among your sessions: you can end it there at any time.',
  ]);
}
