import { codeMail, codeText, magicLinkMail, passwordChangedMail, passwordResetMail, accountExistsMail } from './templates';

const LINK = 'https://app.example/auth/magic-link?token=0b7c2b0e-8a39-4c8f-9a43-3f1d2c9e8b11.abc_DEF-123&redirectTo=https%3A%2F%2Fapp.example%2F';

describe('mail templates', () => {
  test.each(['SIGNUP', 'LOGIN', 'PASSWORD_RESET'] as const)('a %s code mail shows the code in both parts with its lifetime', (purpose) => {
    const mail = codeMail('Acme', purpose, '042137', 10);
    expect(mail.text).toContain('Your code is: 042137');
    expect(mail.html).toContain('>042137<');
    expect(mail.text).toContain('10 minutes');
    expect(mail.html).toContain('10 minutes');
    expect(mail.html).toContain('Acme');
  });

  test('the code mails differ by purpose', () => {
    const titles = (['SIGNUP', 'LOGIN', 'PASSWORD_RESET'] as const).map((p) => codeMail('Acme', p, '000000', 10).text.split('\n')[0]);
    expect(new Set(titles).size).toBe(3);
  });

  test('a magic-link mail carries the exact link in the text and, escaped, in the HTML href', () => {
    const mail = magicLinkMail('Acme', LINK, 15);
    expect(mail.subject).toBe('Sign in to Acme');
    expect(mail.text).toContain(LINK);
    expect(mail.html).toContain(`href="${LINK.replace(/&/g, '&amp;')}"`);
    expect(mail.html).not.toContain(`href="${LINK}"`);
    expect(mail.text).toContain('15 minutes');
  });

  test('a reset mail carries both the code and the link', () => {
    const mail = passwordResetMail('Acme', '987654', LINK, 30);
    expect(mail.text).toContain('Your reset code is: 987654');
    expect(mail.text).toContain(LINK);
    expect(mail.html).toContain('>987654<');
    expect(mail.html).toContain(LINK.replace(/&/g, '&amp;'));
    expect(mail.text).toContain('30 minutes');
  });

  test('the password-changed notice carries no code or link and says sessions ended', () => {
    const mail = passwordChangedMail('Acme');
    expect(mail.subject).toMatch(/password was changed/);
    expect(mail.text).toMatch(/signed out/);
    expect(mail.text).not.toMatch(/\d{6}|https?:/);
    expect(mail.html).toContain('signed out');
  });

  test('the product name is HTML-escaped in every HTML part', () => {
    const product = '<b>Acme & Co</b>';
    for (const mail of [
      codeMail(product, 'LOGIN', '123456', 10),
      magicLinkMail(product, LINK, 15),
      passwordResetMail(product, '123456', LINK, 30),
      passwordChangedMail(product),
      accountExistsMail(product, 'https://app.example'),
    ]) {
      expect(mail.html).not.toContain('<b>Acme');
      expect(mail.html).toContain('&lt;b&gt;Acme &amp; Co&lt;/b&gt;');
      expect(mail.text.length).toBeGreaterThan(0);
    }
  });

  test('the text message leads with the code (phones offer it for autofill) and names the product', () => {
    expect(codeText('Acme', '555123', 10)).toBe('555123 is your Acme code. It expires in 10 minutes. Never share it.');
  });
});
