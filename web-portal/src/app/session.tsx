/**
 * The signed-in user for the whole app: one ControlPlaneClient (its tokens live in
 * sessionStorage, so a reload keeps the session and closing the tab ends it), who the user is,
 * and sign-in/out. Screens take the client from `useSession()`; nothing else talks HTTP.
 */
import { ControlPlaneClient, type Me, type TokenPair } from '@konsortium/client/control-plane';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';

const KEY = 'konsortium.session';

export type Role = 'platform_admin' | 'tenant_admin' | 'tenant_member' | 'auditor';

export interface SessionValue {
  readonly cp: ControlPlaneClient;
  /** Null while signed out; undefined while a kept session is being checked. */
  readonly me: Me | null | undefined;
  signIn(email: string, password: string): Promise<Me>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionValue | null>(null);

function keptSession(): TokenPair | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw === null ? null : (JSON.parse(raw) as TokenPair);
  } catch {
    return null;
  }
}

export function SessionProvider({ children, baseUrl = location.origin }: { children: ReactNode; baseUrl?: string }) {
  const [me, setMe] = useState<Me | null | undefined>(() => (keptSession() === null ? null : undefined));
  const cp = useMemo(
    () =>
      new ControlPlaneClient({
        baseUrl,
        session: keptSession(),
        fetch: (input, init) => fetch(input, init),
        onSession: (s) => {
          if (s === null) {
            sessionStorage.removeItem(KEY);
            setMe(null);
          } else sessionStorage.setItem(KEY, JSON.stringify(s));
        },
      }),
    [baseUrl],
  );
  useEffect(() => {
    if (cp.session === null) return;
    const ac = new AbortController();
    cp.me(ac.signal).then(setMe, () => {
      if (!ac.signal.aborted) void cp.signOut();
    });
    return () => ac.abort();
  }, [cp]);
  const signIn = useCallback(
    async (email: string, password: string) => {
      const m = await cp.signIn(email, password);
      setMe(m);
      return m;
    },
    [cp],
  );
  const signOut = useCallback(async () => {
    await cp.signOut();
    setMe(null);
  }, [cp]);
  const value = useMemo(() => ({ cp, me, signIn, signOut }), [cp, me, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const v = useContext(SessionContext);
  if (v === null) throw new Error('useSession outside SessionProvider');
  return v;
}

/** The signed-in user (screens behind the sign-in gate only). */
export function useMe(): Me {
  const { me } = useSession();
  if (me === null || me === undefined) throw new Error('useMe before sign-in');
  return me;
}

export function hasRole(me: Me, ...roles: Role[]): boolean {
  return me.roles.some((r) => (roles as string[]).includes(r));
}
