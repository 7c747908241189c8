import { escapeHtml, layout, type RenderedMail } from '../../mail/templates/templates';

/** The notices of linked identities (ASVS 6.3.7): a provider account became, or stopped being, a way in. */
export function identityChangedMail(product: string, change: 'linked' | 'unlinked', providerName: string, providerEmail: string | null): RenderedMail {
  const account = providerEmail ? `${providerName} account ${providerEmail}` : `${providerName} account`;
  const title = change === 'linked' ? `A ${providerName} account was linked` : `A ${providerName} account was unlinked`;
  const paragraphs =
    change === 'linked'
      ? [
          `The ${account} was linked to your ${product} account: it can now sign in to it.`,
          'If this was not you, unlink it in your security settings, change your password and sign out every session.',
        ]
      : [
          `The ${account} was unlinked from your ${product} account: it no longer signs in to it.`,
          'If this was not you, sign in, change your password and sign out every session.',
        ];
  return {
    subject: `${product}: ${title.charAt(0).toLowerCase()}${title.slice(1)}`,
    text: [title, ...paragraphs].join('\n\n'),
    html: layout(product, title, paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('')),
  };
}
