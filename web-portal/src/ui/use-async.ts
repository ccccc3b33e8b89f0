import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';

export type AsyncState<T> =
  | { readonly status: 'loading'; readonly value?: T; readonly error?: undefined }
  | { readonly status: 'ok'; readonly value: T; readonly error?: undefined }
  | { readonly status: 'error'; readonly value?: T; readonly error: unknown };

/**
 * Runs `load` when `deps` change and on `reload()`; a result that arrives after a newer load
 * started (or after unmount) is dropped, and the abort signal tells the request to stop.
 */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): AsyncState<T> & { reload: () => void } {
  const [state, setState] = useState<AsyncState<T>>({ status: 'loading' });
  const [tick, setTick] = useState(0);
  const current = useRef(0);
  useEffect(() => {
    const ac = new AbortController();
    const n = ++current.current;
    setState((s) => ({ status: 'loading', ...(s.value === undefined ? {} : { value: s.value }) }));
    load(ac.signal).then(
      (value) => {
        if (n === current.current) setState({ status: 'ok', value });
      },
      (error: unknown) => {
        if (n === current.current && !ac.signal.aborted) setState((s) => ({ status: 'error', error, ...(s.value === undefined ? {} : { value: s.value }) }));
      },
    );
    return () => ac.abort();
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((x) => x + 1), []);
  return { ...state, reload };
}

/** Runs an action on demand (a form submit): its state, and `run` that never rejects. */
export function useAction<A extends unknown[], T>(action: (...args: A) => Promise<T>): {
  readonly running: boolean;
  readonly error: unknown;
  readonly result: T | undefined;
  run: (...args: A) => Promise<T | undefined>;
  reset: () => void;
} {
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [result, setResult] = useState<T | undefined>(undefined);
  const run = useCallback(
    async (...args: A) => {
      setRunning(true);
      setError(undefined);
      try {
        const r = await action(...args);
        setResult(r);
        return r;
      } catch (err) {
        setError(err);
        return undefined;
      } finally {
        setRunning(false);
      }
    },
    [action],
  );
  const reset = useCallback(() => {
    setError(undefined);
    setResult(undefined);
  }, []);
  return { running, error, result, run, reset };
}
