import { MouseEvent, useCallback, useRef, useState } from 'react';

export interface SingleSubmit {
  pending: boolean;
  error: unknown;
  clearError: () => void;
  /** Runs `work` unless a previous run is still in flight; its failure is kept in `error` (shown by the form). */
  run: (work: () => Promise<void>) => Promise<void>;
  /** For the submit button's onClick: the second click of a double-click (detail 2) does not submit again. */
  onSubmitClick: (event: MouseEvent) => void;
}

/**
 * One write per submit. A double-click is one submit whatever the timing: its second click is ignored by its click
 * count, and a submit while the previous one is in flight is dropped (a ref, not state, so that two events in the same
 * frame see the lock).
 */
export function useSingleSubmit(): SingleSubmit {
  const inFlight = useRef(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const run = useCallback(async (work: () => Promise<void>) => {
    if (inFlight.current) return;
    inFlight.current = true;
    setPending(true);
    setError(null);
    try {
      await work();
    } catch (failure) {
      setError(failure ?? new Error('The call failed'));
    } finally {
      inFlight.current = false;
      setPending(false);
    }
  }, []);

  return {
    pending,
    error,
    clearError: useCallback(() => setError(null), []),
    run,
    onSubmitClick: useCallback((event: MouseEvent) => {
      if (event.detail > 1) event.preventDefault();
    }, []),
  };
}
