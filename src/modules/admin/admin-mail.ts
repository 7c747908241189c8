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
