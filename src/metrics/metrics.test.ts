import { MAX_OPERATION_LABELS, Metrics } from './metrics';

const value = async (metrics: Metrics, name: string, labels: Record<string, string> = {}) => {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const wanted = Object.entries(labels);
  const sample = metric?.values.find((v) => Object.keys(v.labels).length === wanted.length && wanted.every(([k, val]) => v.labels[k] === val));
  return sample?.value ?? 0;
};

describe('Metrics', () => {
  test('operation labels: names as sent, until the cap; then "other"; odd names are "other" at once', () => {
    const metrics = new Metrics({ defaultMetrics: false });
    expect(metrics.operationLabel('Login', 'mutation')).toBe('Login');
    expect(metrics.operationLabel(undefined, 'query')).toBe('anonymous_query');
    expect(metrics.operationLabel(undefined, undefined)).toBe('unknown');
    expect(metrics.operationLabel('x'.repeat(65), 'query')).toBe('other');
    expect(metrics.operationLabel('has space', 'query')).toBe('other');
    for (let i = 0; metrics.operationLabel(`Op${i}`, 'query') !== 'other'; i++) expect(i).toBeLessThan(MAX_OPERATION_LABELS);
    expect(metrics.operationLabel('BrandNew', 'query')).toBe('other');
    expect(metrics.operationLabel('Login', 'mutation')).toBe('Login'); // names already seen stay
  });

  test('audit events map to the auth outcome counters', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    metrics.observeAudit({ event: 'session.created', outcome: 'success', data: { method: 'magic_link' } });
    metrics.observeAudit({ event: 'login.password_checked', outcome: 'success' });
    metrics.observeAudit({ event: 'login.password_checked', outcome: 'failure', data: { reason: 'wrong_password' } });
    metrics.observeAudit({ event: 'otp.sent', outcome: 'success', data: { channel: 'SMS', purpose: 'LOGIN' } });
    metrics.observeAudit({ event: 'otp.sent', outcome: 'failure', data: { channel: 'EMAIL', purpose: 'LOGIN', reason: 'unknown_email' } });
    metrics.observeAudit({ event: 'otp.resent', outcome: 'success', data: { channel: 'SMS', purpose: 'LOGIN' } });
    metrics.observeAudit({ event: 'password_reset.sent', outcome: 'success', data: { channel: 'EMAIL', purpose: 'PASSWORD_RESET' } });
    metrics.observeAudit({ event: 'otp.failed', outcome: 'failure', data: { channel: 'EMAIL', purpose: 'SIGNUP' } });
    metrics.observeAudit({ event: 'session.reuse_detected', outcome: 'failure' });

    expect(await value(metrics, 'warden_logins_total', { method: 'magic_link', outcome: 'success' })).toBe(1);
    expect(await value(metrics, 'warden_logins_total', { method: 'password', outcome: 'failure' })).toBe(1);
    expect(await value(metrics, 'warden_codes_sent_total', { channel: 'SMS', purpose: 'LOGIN' })).toBe(2);
    expect(await value(metrics, 'warden_codes_sent_total', { channel: 'EMAIL', purpose: 'LOGIN' })).toBe(0);
    expect(await value(metrics, 'warden_codes_sent_total', { channel: 'EMAIL', purpose: 'PASSWORD_RESET' })).toBe(1);
    expect(await value(metrics, 'warden_codes_failed_total', { channel: 'EMAIL', purpose: 'SIGNUP' })).toBe(1);
    expect(await value(metrics, 'warden_refresh_reuse_detected_total')).toBe(1);
    expect(await value(metrics, 'warden_auth_events_total', { event: 'otp.sent', outcome: 'failure' })).toBe(1);
  });
});
