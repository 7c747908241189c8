import { useEffect, useState, type MouseEvent, type ReactNode } from 'react';

/** A tiny history router: enough for a handful of pages without another dependency. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function useLocation(): URL {
  const [href, setHref] = useState(window.location.href);
  useEffect(() => {
    const onChange = () => setHref(window.location.href);
    window.addEventListener('popstate', onChange);
    return () => window.removeEventListener('popstate', onChange);
  }, []);
  return new URL(href);
}

export function Link({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    event.preventDefault();
    navigate(to);
  };
  const current = window.location.pathname === to ? 'page' : undefined;
  return (
    <a href={to} onClick={onClick} className={className} aria-current={current}>
      {children}
    </a>
  );
}

const RETURN_KEY = 'warden-example.return-to';

/**
 * Where to go once signed in (the invitation page sends people to sign up or log in, then back). Kept for this tab
 * only (sessionStorage), and only a path of this app: never a URL someone else chose.
 */
export function rememberReturn(path: string): void {
  if (path.startsWith('/') && !path.startsWith('//')) window.sessionStorage.setItem(RETURN_KEY, path);
}

/** The path rememberReturn kept (once), or null. */
export function takeReturn(): string | null {
  const path = window.sessionStorage.getItem(RETURN_KEY);
  window.sessionStorage.removeItem(RETURN_KEY);
  return path && path.startsWith('/') && !path.startsWith('//') ? path : null;
}
