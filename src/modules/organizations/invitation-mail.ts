import { button, escapeHtml, layout, type RenderedMail } from '../../mail/templates/templates';

/** The invitation: the organization's name, who invited (when known), the link and how long it works. */
export function invitationMail(product: string, organizationName: string, inviterName: string | null, link: string, hours: number): RenderedMail {
  const title = `You are invited to join ${organizationName}`;
  const who = inviterName ? `${inviterName} invited you` : 'You were invited';
  const line = `${who} to join ${organizationName} on ${product}. The link works once and expires in ${hours} hours. If you did not expect it, ignore this message.`;
  return {
    subject: `${product}: invitation to join ${organizationName}`,
    text: `${title}\n\n${line}\n\nAccept: ${link}`,
    html: layout(product, title, `<p>${escapeHtml(line)}</p>${button(link, 'Accept the invitation')}`),
  };
}
