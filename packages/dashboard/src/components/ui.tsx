import { useCallback, useEffect, useState, type InputHTMLAttributes, type ReactNode } from 'react';
import { ApiError } from '../api.js';

export type Load<T> = { state: 'loading' } | { state: 'error'; error: ApiError } | { state: 'ready'; data: T };

/** Runs `fetcher` on mount and whenever `deps` change; `reload` runs it again. */
export function useLoad<T>(fetcher: () => Promise<T>, deps: unknown[]): [Load<T>, () => void] {
  const [load, setLoad] = useState<Load<T>>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    fetcher().then(
      (data) => live && setLoad({ state: 'ready', data }),
      (err: unknown) =>
        live &&
        setLoad({
          state: 'error',
          error: err instanceof ApiError ? err : new ApiError(0, 'client', (err as Error).message),
        }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return [load, useCallback(() => setTick((t) => t + 1), [])];
}

export function Loading({ what }: { what: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  );
}

export function ErrorBox({ error, retry }: { error: ApiError; retry?: () => void }) {
  return (
    <div className="error" role="alert">
      <strong>{error.status === 403 ? 'Not allowed' : 'Something went wrong'}</strong>
      <p>{error.message}</p>
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

/** Shows the loading, error or ready state of a Load. */
export function Show<T>({
  load,
  what,
  retry,
  children,
}: {
  load: Load<T>;
  what: string;
  retry?: () => void;
  children: (data: T) => ReactNode;
}) {
  if (load.state === 'loading') return <Loading what={what} />;
  if (load.state === 'error') return <ErrorBox error={load.error} {...(retry ? { retry } : {})} />;
  return <>{children(load.data)}</>;
}

export function Badge({ tone, children }: { tone: 'ok' | 'warn' | 'bad' | 'muted'; children: ReactNode }) {
  return <span className={`badge ${tone}`}>{children}</span>;
}

/** A labelled text input bound to a string state (any other input attribute passes through). */
export function TextField({
  label,
  value,
  onChange,
  ...input
}: { label: string; value: string; onChange: (value: string) => void } & Omit<
  InputHTMLAttributes<HTMLInputElement>,
  'value' | 'onChange'
>) {
  return (
    <label>
      {label}
      <input {...input} value={value} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}

/** A button for a change: disabled while it runs; the error (if any) shown beside it. */
export function ActionButton({
  label,
  run,
  confirm,
  tone,
  testId,
}: {
  label: string;
  run: () => Promise<unknown>;
  confirm?: string;
  tone?: 'danger';
  testId?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <span className="action">
      <button
        type="button"
        className={tone === 'danger' ? 'danger' : ''}
        disabled={busy}
        data-testid={testId}
        onClick={async () => {
          if (confirm && !window.confirm(confirm)) return;
          setBusy(true);
          setError(null);
          try {
            await run();
          } catch (err) {
            setError((err as Error).message);
          } finally {
            setBusy(false);
          }
        }}
      >
        {busy ? `${label}…` : label}
      </button>
      {error && (
        <span className="inline-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
