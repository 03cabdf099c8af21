import { useQueryClient } from '@tanstack/react-query';
import { createContext, ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { Capabilities, capabilitiesOf } from '../access/capabilities';
import { AdminApi, adminApi } from '../api/admin-api';
import { AdminClient } from '../api/admin-client';
import { ApiError, messageOf } from '../api/api-error';
import type { StaffMe } from '../api/types';
import { tokenStorage } from './token-storage';

export interface Session {
  staff: StaffMe;
  api: AdminApi;
  can: Capabilities;
  signOut: (notice?: string) => void;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in session');
  return session;
}

type State =
  | { kind: 'restoring'; token: string }
  | { kind: 'signed-out'; notice: string | null }
  | { kind: 'unreachable'; token: string; message: string }
  | { kind: 'signed-in'; token: string; staff: StaffMe };

export interface SignedOutProps {
  notice: string | null;
  /** Resolves once signed in; rejects with the API's error (a wrong token: 401 with its message). */
  signIn: (token: string) => Promise<void>;
}

export interface SessionGateProps {
  signedOut: (props: SignedOutProps) => ReactNode;
  restoring: ReactNode;
  unreachable: (props: { message: string; retry: () => void; signOut: () => void }) => ReactNode;
  children: ReactNode;
}

/**
 * Who is signed in: the staff member behind the token (GET /staff/me), kept for the tab's session. A 401 from any call
 * (the token was disabled, ADMIN_TOKEN rotated) signs out with the API's message.
 */
export function SessionGate({ signedOut, restoring, unreachable, children }: SessionGateProps) {
  const queryClient = useQueryClient();
  const [state, setState] = useState<State>(() => {
    const token = tokenStorage.read();
    return token ? { kind: 'restoring', token } : { kind: 'signed-out', notice: null };
  });
  const stateRef = useRef(state);
  stateRef.current = state;

  const signOut = useCallback(
    (notice: string | null = null) => {
      tokenStorage.clear();
      // Nothing the previous staff member saw may show to the next one.
      queryClient.clear();
      setState({ kind: 'signed-out', notice });
    },
    [queryClient],
  );

  const clientFor = useCallback(
    (token: string) =>
      new AdminClient(token, (error: ApiError) => {
        if (stateRef.current.kind === 'signed-in') signOut(`You were signed out: ${error.message}`);
      }),
    [signOut],
  );

  const restore = useCallback(
    async (token: string) => {
      try {
        const staff = await adminApi(clientFor(token)).me();
        setState({ kind: 'signed-in', token, staff });
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) signOut(`You were signed out: ${error.message}`);
        else setState({ kind: 'unreachable', token, message: messageOf(error) });
      }
    },
    [clientFor, signOut],
  );

  useEffect(() => {
    if (state.kind === 'restoring') void restore(state.token);
  }, [state, restore]);

  const signIn = useCallback(
    async (token: string) => {
      const staff = await adminApi(clientFor(token)).me();
      tokenStorage.write(token);
      queryClient.clear();
      setState({ kind: 'signed-in', token, staff });
    },
    [clientFor, queryClient],
  );

  const session = useMemo<Session | null>(() => {
    if (state.kind !== 'signed-in') return null;
    return {
      staff: state.staff,
      api: adminApi(clientFor(state.token)),
      can: capabilitiesOf(state.staff.role),
      signOut: (notice?: string) => signOut(notice ?? null),
    };
  }, [state, clientFor, signOut]);

  switch (state.kind) {
    case 'signed-out':
      return <>{signedOut({ notice: state.notice, signIn })}</>;
    case 'restoring':
      return <>{restoring}</>;
    case 'unreachable':
      return (
        <>
          {unreachable({
            message: state.message,
            retry: () => setState({ kind: 'restoring', token: state.token }),
            signOut: () => signOut(null),
          })}
        </>
      );
    case 'signed-in':
      return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
  }
}
