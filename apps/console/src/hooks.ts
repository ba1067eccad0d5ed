import { useCallback, useEffect, useRef, useState, type ChangeEvent } from 'react';
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

export interface Filter<F extends Record<string, string>> {
  /** What the form shows. */
  draft: F;
  /** What the list was asked with: the draft as it was at the last apply(). */
  applied: F;
  apply(): void;
  /** The value and change handler of one field, for a TextInput or a NativeSelect. */
  field<K extends keyof F>(key: K): { value: F[K]; onChange(event: ChangeEvent<HTMLInputElement | HTMLSelectElement>): void };
}

/** A list's filter form: typed into freely, applied on submit. */
export function useFilter<F extends Record<string, string>>(initial: F): Filter<F> {
  const [draft, setDraft] = useState(initial);
  const [applied, setApplied] = useState(initial);
  return {
    draft,
    applied,
    apply: () => setApplied(draft),
    field: (key) => ({ value: draft[key], onChange: (event) => setDraft({ ...draft, [key]: event.currentTarget.value }) }),
  };
}

export interface Pages<P> extends Loaded<P> {
  /** Undefined on the first page. */
  previous: (() => void) | undefined;
  /** Undefined on the last page. */
  next: (() => void) | undefined;
}

/** Loads a list a page at a time by the API's cursor, keeping the cursors of the pages before to go back. */
export function usePages<P extends { nextCursor: string | null }>(load: (after: string | undefined) => Promise<P>, deps: unknown[]): Pages<P> {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const after = cursors[cursors.length - 1];
  const page = useLoad(() => load(after), [...deps, after]);
  const nextCursor = page.data?.nextCursor;
  return {
    ...page,
    previous: cursors.length > 1 ? () => setCursors((c) => c.slice(0, -1)) : undefined,
    next: nextCursor ? () => setCursors((c) => [...c, nextCursor]) : undefined,
  };
}
