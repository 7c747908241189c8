import { useState, type FormEvent, type ReactNode } from 'react';
import { describeError } from './apollo';

export function Field(props: { label: string; name: string; type?: string; value: string; onChange(value: string): void; autoComplete?: string; required?: boolean }) {
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

/** A form whose submit runs one async action, shows its error (contract code + message) and disables itself meanwhile. */
export function ActionForm(props: { title: string; submit: string; action(): Promise<void>; children: ReactNode; footer?: ReactNode }) {
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
    <form className="card" onSubmit={onSubmit}>
      <h2>{props.title}</h2>
      {props.children}
      <button type="submit" disabled={busy}>
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
