/**
 * Calls the platform tests make: the control plane's API over HTTP, logins, waiting for a
 * provisioning operation, and a node's API with a node-audience admin token the control plane
 * mints (as the platform does itself).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Platform } from '@konsortium/control-plane/platform';

export interface ApiReply<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
}

/** Where the control plane listens: a Platform, or the `npm start` stack of the portal tests. */
type Reachable = Pick<Platform, 'url'>;

export async function api<T = Record<string, unknown>>(p: Reachable, method: string, url: string, token: string | null, body?: unknown): Promise<ApiReply<T>> {
  const res = await fetch(`${p.url}${url}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as T };
}

export async function login(p: Reachable, email: string, password: string): Promise<string> {
  const r = await api<{ accessToken: string }>(p, 'POST', '/v1/auth/login', null, { email, password });
  if (r.status !== 200) throw new Error(`login ${email}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.accessToken;
}

/** Polls an operation until it succeeded or failed (bounded). */
export async function waitOperation(p: Platform, token: string, id: string, timeoutMs = 180_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await api(p, 'GET', `/v1/operations/${id}`, token);
    if (r.body.status === 'succeeded' || r.body.status === 'failed') return r.body;
    if (Date.now() > deadline) throw new Error(`operation ${id} still ${String(r.body.status)} at ${String(r.body.step)}: ${String(r.body.error)}`);
    await sleep(200);
  }
}

/** GET on a node's channel API (`pathname` after /v1/channels/consortium). */
export async function nodeGet(p: Platform, url: string, pathname: string): Promise<Record<string, unknown>> {
  const token = (await p.tokens.issueAccessToken({ subject: 'test', roles: ['admin'], audience: 'konsortium-node' })).token;
  const res = await fetch(`${url}/v1/channels/consortium${pathname}`, { headers: { authorization: `Bearer ${token}` } });
  return (await res.json()) as Record<string, unknown>;
}

/** A state key's JSON value on a node (null when absent). */
export async function nodeState(p: Platform, url: string, key: string): Promise<unknown> {
  const body = (await nodeGet(p, url, `/state/${encodeURIComponent(key)}`)) as { value: string | null };
  return body.value === null ? null : JSON.parse(Buffer.from(body.value, 'hex').toString('utf8'));
}
