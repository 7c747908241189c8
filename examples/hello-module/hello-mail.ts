import { escapeHtml, layout, type RenderedMail } from '../../src/mail/templates/templates';

/** The notice hello mails to the viewer it greeted. */
export function greetedMail(product: string, greeting: string): RenderedMail {
  const text = `Your ${product} account asked for a greeting and got: "${greeting}"`;
  return { subject: `${product}: you were greeted`, text, html: layout(product, 'You were greeted', `<p>${escapeHtml(text)}</p>`) };
}
