import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { describeError } from './messages';

export function Field(props: {
  label: string;
  name: string;
  type?: string;
  value: string;
  onChange(value: string): void;
  autoComplete?: string;
  required?: boolean;
}) {
  return (
    <label>
      {props.label}
      <input
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        autoComplete={props.autoComplete}
        required={props.required ?? true}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </label>
  );
}

/** A form whose submit runs one async action, shows its error (a readable sentence, messages.ts) and disables itself meanwhile. */
export function ActionForm(props: { title: string; submit: string; action(): Promise<void>; children: ReactNode; footer?: ReactNode; tone?: 'danger' }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await props.action();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className={props.tone === 'danger' ? 'card danger' : 'card'} onSubmit={onSubmit}>
      <h2>{props.title}</h2>
      {props.children}
      <button type="submit" className={props.tone === 'danger' ? 'danger' : undefined} disabled={busy}>
        {busy ? 'Working…' : props.submit}
      </button>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {props.footer}
    </form>
  );
}

/** Whole seconds until `until` (an ISO date), ticking every second; 0 once it has passed or when there is none. */
export function useCountdown(until: string | null | undefined): number {
  const left = () => (until ? Math.max(0, Math.ceil((new Date(until).getTime() - Date.now()) / 1000)) : 0);
  const [seconds, setSeconds] = useState(left);
  useEffect(() => {
    setSeconds(left());
    if (!until) return;
    const timer = setInterval(() => {
      const next = left();
      setSeconds(next);
      if (next === 0) clearInterval(timer);
    }, 250);
    return () => clearInterval(timer);
  }, [until]);
  return seconds;
}

/** "7 Dec 2026, 15:40": dates in the reader's locale, without seconds. */
export function formatDate(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
