import { useCallback, useEffect, useRef, useState } from 'react';
import { ProblemError, messageOf } from './api/problem';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/** Loads once per change of `deps`, and again on reload() or every `everyMs` when given. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[], everyMs?: number): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let live = true;
    loadRef.current().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  useEffect(() => {
    if (!everyMs) return;
    const timer = setInterval(() => setTick((t) => t + 1), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export interface Action {
  busy: boolean;
  error: unknown;
  /** The problem's `detail`, for the form as a whole. */
  message: string | undefined;
  /** The problem's message for one named field, shown next to it. */
  field(name: string): string | undefined;
  run<T>(work: () => Promise<T>): Promise<T | undefined>;
  clear(): void;
}

/** Runs a form's submission, keeping the problem it answered for the form and its fields. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = useCallback(async <T,>(work: () => Promise<T>) => {
    setBusy(true);
    setError(undefined);
    try {
      return await work();
    } catch (caught) {
      setError(caught);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return {
    busy,
    error,
    message: error === undefined ? undefined : messageOf(error),
    field: (name) => (error instanceof ProblemError ? error.fieldMessage(name) : undefined),
    run,
    clear: () => setError(undefined),
  };
}
