/**
 * The user's browser identity for the screens that sign: loads the keys kept in this browser,
 * makes new ones, registers the public key for the tenant's member through the control plane
 * (a provisioning operation whose progress is polled) and checks on chain that the key is the
 * member's before anything is signed with it. Import and export of backups go through here too.
 */
import { KonsortiumApiError, type Signer } from '@konsortium/client';
import { isSuiteId } from '@konsortium/protocol';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { useMe, useSession } from '../../../app/session.js';
import { memberOf, memberOfKey, useFeatureLedger } from '../chain.js';
import { coded } from '../errors.js';
import {
  exportBackup,
  generateIdentityKeys,
  type IdentityInfo,
  type IdentityKeys,
  importBackup,
  loadIdentity,
  publicPartsOf,
  type Registration,
  removeIdentity,
  saveIdentity,
  signerOf,
  updateRegistration,
} from './keystore.js';

/** A provisioning operation as the control plane shows it (GET /v1/operations/:id). */
export interface OperationView {
  readonly id: string;
  readonly kind: string;
  readonly status: 'queued' | 'running' | 'succeeded' | 'failed';
  readonly progress: number;
  readonly step: string;
  readonly doneSteps: readonly string[];
  readonly error: string | null;
}

interface TenantView {
  readonly id: string;
  readonly name: string;
  readonly memberId: string;
}

export type IdentityState =
  | { readonly status: 'loading' }
  | { readonly status: 'no-tenant' }
  | { readonly status: 'error'; readonly error: unknown }
  | { readonly status: 'none' }
  | { readonly status: 'registering'; readonly info: IdentityInfo; readonly operation: OperationView | null; readonly error?: unknown }
  | { readonly status: 'ready'; readonly info: IdentityInfo; readonly signer: Signer; readonly memberId: string; readonly memberName: string; readonly roles: readonly string[] };

export interface IdentityValue {
  readonly state: IdentityState;
  readonly tenant: TenantView | null;
  /** Makes new keys in this browser and registers them. */
  create(): Promise<void>;
  /** Restores keys from a backup file (registering them if the chain does not know them yet). */
  restore(file: Uint8Array, passphrase: string): Promise<void>;
  /** The backup file of the keys in this browser. */
  backup(passphrase: string): Promise<Uint8Array>;
  /** Forgets the keys in this browser (after a backup, or to start over). */
  discard(): Promise<void>;
  /** Registers again / resumes waiting after an error. */
  retry(): Promise<void>;
  /** The X25519 private key for opening the owner's sealed keys (kept in memory while the page is open). */
  sealKey(): Uint8Array | null;
}

const IdentityContext = createContext<IdentityValue | null>(null);

const POLL_MS = 600;
const REGISTRATION_TIMEOUT_MS = 180_000;

export function IdentityProvider({ children }: { children: ReactNode }) {
  const me = useMe();
  const { cp } = useSession();
  const ledger = useFeatureLedger();
  const [state, setState] = useState<IdentityState>({ status: 'loading' });
  const [tenant, setTenant] = useState<TenantView | null>(null);
  const keysRef = useRef<IdentityKeys | null>(null);
  const alive = useRef(new AbortController());
  const tenantId = me.tenantId;

  useEffect(() => {
    const ac = new AbortController();
    alive.current = ac;
    return () => ac.abort();
  }, []);

  /** The key is on chain for the tenant's member: ready to sign. */
  const confirm = useCallback(
    async (info: IdentityInfo, keys: IdentityKeys, t: TenantView): Promise<boolean> => {
      const member = await memberOfKey(ledger, info.publicKey);
      if (member === null) return false;
      if (member !== t.memberId) throw coded('KEY_OTHER_MEMBER', `this key belongs to member ${member}, not to ${t.memberId}`);
      const m = await memberOf(ledger, member);
      const reg: Registration = { status: 'registered', operationId: info.registration.operationId, memberId: member };
      const next = info.registration.status === 'registered' && info.registration.memberId === member ? info : await updateRegistration(info.userId, reg);
      keysRef.current = keys;
      setState({ status: 'ready', info: next, signer: signerOf(keys), memberId: member, memberName: m?.name ?? member, roles: m?.roles ?? [] });
      return true;
    },
    [ledger],
  );

  /** Waits for the registration (operation progress, then the chain), bounded. */
  const follow = useCallback(
    async (info: IdentityInfo, keys: IdentityKeys, t: TenantView): Promise<void> => {
      const signal = alive.current.signal;
      const deadline = Date.now() + REGISTRATION_TIMEOUT_MS;
      let op: OperationView | null = null;
      setState({ status: 'registering', info, operation: null });
      while (!signal.aborted) {
        if (info.registration.operationId !== null && op?.status !== 'succeeded') {
          op = await cp.get<OperationView>(`/v1/operations/${info.registration.operationId}`, { signal });
          setState({ status: 'registering', info, operation: op });
          if (op.status === 'failed') throw coded('REGISTRATION_FAILED', op.error ?? 'the registration failed');
        }
        if ((info.registration.operationId === null || op?.status === 'succeeded') && (await confirm(info, keys, t))) return;
        if (Date.now() > deadline) throw coded('REGISTRATION_TIMEOUT', `the key is not registered after ${REGISTRATION_TIMEOUT_MS / 1000} s`);
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    },
    [cp, confirm],
  );

  /** Sends the public key to the control plane for registration, then follows it. */
  const register = useCallback(
    async (info: IdentityInfo, keys: IdentityKeys, t: TenantView): Promise<void> => {
      setState({ status: 'registering', info, operation: null });
      let opId: string | null = null;
      try {
        const op = await cp.post<OperationView>(`/v1/tenants/${t.id}/identities`, { custody: 'self', publicKey: info.publicKey });
        opId = op.id;
      } catch (err) {
        // Sent before (a reload in between): the control plane has it; wait for the chain.
        if (!(err instanceof KonsortiumApiError && err.code === 'CONFLICT')) throw err;
      }
      const next = await updateRegistration(info.userId, { status: 'pending', operationId: opId, memberId: null });
      await follow(next, keys, t);
    },
    [cp, follow],
  );

  const fail = useCallback((info: IdentityInfo | null, err: unknown) => {
    if (alive.current.signal.aborted) return;
    if (info === null) setState({ status: 'error', error: err });
    else setState({ status: 'registering', info, operation: null, error: err });
  }, []);

  // Load what this browser holds, and resume a registration in progress.
  useEffect(() => {
    if (tenantId === null) {
      setState({ status: 'no-tenant' });
      return;
    }
    const ac = new AbortController();
    void (async () => {
      let info: IdentityInfo | null = null;
      try {
        const t = await cp.get<TenantView>(`/v1/tenants/${tenantId}`, { signal: ac.signal });
        setTenant(t);
        const found = await loadIdentity(me.subject);
        if (ac.signal.aborted) return;
        if (found === null || found.info.tenantId !== tenantId) {
          setState({ status: 'none' });
          return;
        }
        info = found.info;
        keysRef.current = found.keys;
        if (found.info.registration.status === 'unregistered') {
          setState({ status: 'registering', info, operation: null, error: coded('KEY_NOT_REGISTERED', 'the key in this browser is not registered yet') });
          return;
        }
        if (!(await confirm(found.info, found.keys, t))) await follow(found.info, found.keys, t);
      } catch (err) {
        if (!ac.signal.aborted) fail(info, err);
      }
    })();
    return () => ac.abort();
  }, [cp, me.subject, tenantId, confirm, follow, fail]);

  const create = useCallback(async () => {
    if (tenant === null) return;
    const suite = ledger.endpoints.network.suite;
    if (!isSuiteId(suite)) throw coded('UNKNOWN_SUITE', `the network's crypto suite "${suite}" is not supported here`);
    const keys = generateIdentityKeys(suite);
    const info = await saveIdentity({ userId: me.subject, tenantId: tenant.id, suite, createdAt: Date.now(), registration: { status: 'unregistered', operationId: null, memberId: null } }, keys);
    keysRef.current = keys;
    try {
      await register(info, keys, tenant);
    } catch (err) {
      fail(info, err);
    }
  }, [tenant, ledger, me.subject, register, fail]);

  const restore = useCallback(
    async (file: Uint8Array, passphrase: string) => {
      if (tenant === null) return;
      const { backup, keys } = await importBackup(file, passphrase);
      if (backup.tenantId !== tenant.id) throw coded('BACKUP_OTHER_TENANT', `the backup holds keys of tenant ${backup.tenantId}`);
      if (keys.suite !== ledger.endpoints.network.suite) throw coded('BACKUP_OTHER_TENANT', `the backup holds ${keys.suite} keys; this network uses ${ledger.endpoints.network.suite}`);
      const known = await memberOfKey(ledger, publicPartsOf(keys).publicKey);
      if (known !== null && known !== tenant.memberId) throw coded('KEY_OTHER_MEMBER', `these keys belong to member ${known}`);
      const info = await saveIdentity(
        { userId: me.subject, tenantId: tenant.id, suite: keys.suite, createdAt: Date.now(), registration: { status: known === null ? 'unregistered' : 'registered', operationId: null, memberId: known } },
        keys,
      );
      keysRef.current = keys;
      try {
        if (known !== null) await confirm(info, keys, tenant);
        else await register(info, keys, tenant);
      } catch (err) {
        fail(info, err);
      }
    },
    [tenant, ledger, me.subject, confirm, register, fail],
  );

  const backup = useCallback(
    async (passphrase: string) => {
      const keys = keysRef.current;
      if (keys === null || tenant === null) throw coded('NO_IDENTITY', 'there are no keys in this browser');
      return exportBackup(keys, { tenantId: tenant.id, memberId: tenant.memberId, passphrase });
    },
    [tenant],
  );

  const discard = useCallback(async () => {
    await removeIdentity(me.subject);
    keysRef.current = null;
    setState({ status: 'none' });
  }, [me.subject]);

  const retry = useCallback(async () => {
    if (state.status !== 'registering' || tenant === null || keysRef.current === null) return;
    const keys = keysRef.current;
    try {
      if (state.info.registration.status === 'unregistered') await register(state.info, keys, tenant);
      else await follow(state.info, keys, tenant);
    } catch (err) {
      fail(state.info, err);
    }
  }, [state, tenant, register, follow, fail]);

  const sealKey = useCallback(() => keysRef.current?.sealKey ?? null, []);

  const value = useMemo<IdentityValue>(() => ({ state, tenant, create, restore, backup, discard, retry, sealKey }), [state, tenant, create, restore, backup, discard, retry, sealKey]);
  return <IdentityContext.Provider value={value}>{children}</IdentityContext.Provider>;
}

export function useIdentity(): IdentityValue {
  const v = useContext(IdentityContext);
  if (v === null) throw new Error('useIdentity outside IdentityProvider');
  return v;
}

/** The identity when it is ready to sign, else null. */
export function useReadyIdentity(): Extract<IdentityState, { status: 'ready' }> | null {
  const { state } = useIdentity();
  return state.status === 'ready' ? state : null;
}
