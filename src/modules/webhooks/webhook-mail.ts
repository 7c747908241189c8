import { escapeHtml, layout, type RenderedMail } from '../../mail/templates/templates';

/** An endpoint was disabled after failing for WEBHOOK_DISABLE_AFTER_DAYS (to the organization's owners, or ADMIN_EMAILS). */
export function endpointDisabledMail(product: string, endpoint: { url: string; organizationName: string | null }, days: number): RenderedMail {
  const where = endpoint.organizationName ? `of ${endpoint.organizationName}` : '(global)';
  const paragraphs = [
    `The webhook endpoint ${endpoint.url} ${where} failed every delivery attempt for ${days} days, so ${product} disabled it. Its pending deliveries were marked failed, and new events are not sent to it.`,
    'Fix the receiver, then re-enable the endpoint (updateWebhookEndpoint with enabled: true). Events missed meanwhile can be read from the events feed.',
  ];
  return {
    subject: `${product}: a webhook endpoint was disabled`,
    text: ['A webhook endpoint was disabled', ...paragraphs].join('\n\n'),
    html: layout(product, 'A webhook endpoint was disabled', paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('')),
  };
}
