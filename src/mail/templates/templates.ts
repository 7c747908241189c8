import type { MailDeclaration } from '../../modules/declaration-types';
import { declaredMail, type OtpPurposeName } from '../../modules/declarations';

/** Every message Warden sends, in one place: subject, text and HTML. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** Purposes whose code is mailed (a second factor comes from an authenticator app, never by mail). */
export type CodePurpose = Exclude<OtpPurposeName, 'MFA'>;

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function layout(product: string, title: string, bodyHtml: string): string {
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif;max-width:480px;margin:24px auto;color:#111">
<h2 style="margin:0 0 16px">${escapeHtml(product)}</h2><h3 style="margin:0 0 12px">${escapeHtml(title)}</h3>${bodyHtml}
<p style="color:#666;font-size:12px;margin-top:24px">If you did not ask for this, you can ignore this message.</p></body></html>`;
}

const codeBlock = (code: string) => `<p style="font-size:32px;letter-spacing:6px;font-weight:bold;font-family:monospace;margin:16px 0">${escapeHtml(code)}</p>`;
export const button = (url: string, label: string) =>
  `<p><a href="${escapeHtml(url)}" style="display:inline-block;padding:10px 18px;background:#111;color:#fff;text-decoration:none;border-radius:6px">${escapeHtml(label)}</a></p><p style="font-size:12px;color:#666">Or paste this link into your browser:<br>${escapeHtml(url)}</p>`;

/**
 * The mail of each mailed purpose, as the module that declares the purpose gives it (its `mail` entry in
 * src/modules/<cap>/<cap>.declarations.ts). Typed so that a purpose without one does not compile.
 */
const purposeMail: Readonly<Record<CodePurpose, MailDeclaration>> = declaredMail;

export function codeMail(product: string, purpose: CodePurpose, code: string, minutes: number): RenderedMail {
  const title = purposeMail[purpose].title;
  return {
    subject: `${code} is your ${product} code`,
    text: `${title}\n\nYour code is: ${code}\n\nIt expires in ${minutes} minutes. Never share it with anyone.`,
    html: layout(product, title, `<p>Your code is:</p>${codeBlock(code)}<p>It expires in ${minutes} minutes. Never share it with anyone.</p>`),
  };
}

export function accountExistsMail(product: string, appUrl: string): RenderedMail {
  const title = 'Someone tried to sign up with your address';
  const text = `${title}\n\nSomeone tried to create a ${product} account with this email address, but you already have one. If it was you, sign in instead at ${appUrl}. If you forgot your password, reset it from the sign-in page.`;
  return {
    subject: `${product}: sign-up attempt with your address`,
    text,
    html: layout(
      product,
      title,
      `<p>Someone tried to create a ${escapeHtml(product)} account with this email address, but you already have one.</p><p>If it was you, sign in instead. If you forgot your password, reset it from the sign-in page.</p>${button(appUrl, 'Sign in')}`,
    ),
  };
}

export function magicLinkMail(product: string, link: string, minutes: number): RenderedMail {
  const title = 'Your sign-in link';
  return {
    subject: `Sign in to ${product}`,
    text: `${title}\n\nOpen this link to sign in (valid ${minutes} minutes, once):\n${link}`,
    html: layout(product, title, `<p>Open this link to sign in. It works once and expires in ${minutes} minutes.</p>${button(link, 'Sign in')}`),
  };
}

export function passwordResetMail(product: string, code: string, link: string, minutes: number): RenderedMail {
  const title = purposeMail.PASSWORD_RESET.title;
  return {
    subject: `Reset your ${product} password`,
    text: `${title}\n\nYour reset code is: ${code}\n\nOr open this link (valid ${minutes} minutes, once):\n${link}`,
    html: layout(
      product,
      title,
      `<p>Your reset code is:</p>${codeBlock(code)}<p>Or use this link. Either works once and expires in ${minutes} minutes.</p>${button(link, 'Choose a new password')}`,
    ),
  };
}

export function passwordChangedMail(product: string): RenderedMail {
  const title = 'Your password was changed';
  const text = `${title}\n\nThe password of your ${product} account was just changed and every session was signed out. If this was not you, reset your password now.`;
  return { subject: `${product}: your password was changed`, text, html: layout(product, title, `<p>${escapeHtml(text.split('\n\n')[1]!)}</p>`) };
}

export function codeText(product: string, code: string, minutes: number): string {
  return `${code} is your ${product} code. It expires in ${minutes} minutes. Never share it.`;
}

/** A passkey was added to or removed from the account (the name is the user's own label, escaped). */
export function passkeyChangedMail(product: string, change: 'added' | 'removed', passkeyName: string | null): RenderedMail {
  const title = change === 'added' ? 'A passkey was added to your account' : 'A passkey was removed from your account';
  const label = passkeyName ? ` ("${passkeyName}")` : '';
  const text = `${title}\n\nA passkey${label} was just ${change} ${change === 'added' ? 'to' : 'from'} your ${product} account. If this was not you, sign in, remove passkeys you do not recognise and change your password.`;
  return { subject: `${product}: ${title.toLowerCase()}`, text, html: layout(product, title, `<p>${escapeHtml(text.split('\n\n')[1]!)}</p>`) };
}

/** A change to how the account signs in (second factor added or removed, recovery code used…). */
export function securityNoticeMail(product: string, title: string, body: string): RenderedMail {
  const text = `${title}\n\n${body}\n\nIf this was not you, sign in and review your account's security now.`;
  return {
    subject: `${product}: ${title.charAt(0).toLowerCase()}${title.slice(1)}`,
    text,
    html: layout(product, title, `<p>${escapeHtml(body)}</p><p>If this was not you, sign in and review your account's security now.</p>`),
  };
}
