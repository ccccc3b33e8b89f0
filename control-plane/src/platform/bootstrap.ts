/**
 * First start: the first platform admin (and, for the embedded default, a demo tenant created
 * through the API like any other). The generated credentials are kept in a 0600 file in the
 * data directory. Only what a start made is reported as made (main.ts shows it once); an admin
 * that exists in the database without this data directory's file (another instance over an
 * external database) is left as it is, with no password invented.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hashPassword } from '../auth/password.js';
import type { PrismaClient } from '../db/prisma.js';
import { audit } from '../api/audit-log.js';
import type { ApiApp } from '../api/app.js';

export interface Credentials {
  readonly admin: { readonly email: string; readonly password: string };
  readonly demo?: { readonly tenantId: string; readonly email: string; readonly password: string };
}

const password = () => randomBytes(12).toString('base64url');

export interface BootstrapResult {
  /** The admin's password is '' when this data directory did not make the admin (another instance over the same database did). */
  readonly credentials: Credentials;
  /** What this call made (so what may be shown, once). */
  readonly created: { readonly admin: boolean; readonly demo: boolean };
}

const DEMO_TENANT = 'Demo Bank';

export async function bootstrap(db: PrismaClient, app: ApiApp, file: string, o: { adminEmail: string; demoTenant: boolean }): Promise<BootstrapResult> {
  let creds: Credentials | null = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Credentials) : null;
  const created = { admin: false, demo: false };
  if (creds === null) {
    const existing = await db.user.findFirst({ where: { role: 'platform_admin' }, orderBy: { createdAt: 'asc' }, select: { email: true } });
    if (existing !== null) {
      // Made by another instance over the same database (or with an earlier data directory):
      // its password is not known here, and inventing one would show a password that fails.
      return { credentials: { admin: { email: existing.email, password: '' } }, created };
    }
    creds = { admin: { email: o.adminEmail, password: password() } };
    const user = await db.user.create({ data: { email: o.adminEmail, passwordHash: await hashPassword(creds.admin.password), role: 'platform_admin' } });
    await audit(db, 'system', { tenantId: null, action: 'user.bootstrap', objectType: 'user', objectId: user.id, details: { email: user.email } });
    writeFileSync(file, JSON.stringify(creds, null, 2), { mode: 0o600 });
    created.admin = true;
  }
  // A demo tenant made before its credentials were written (a crash in between) is left alone.
  if (o.demoTenant && creds.demo === undefined && (await db.tenant.count({ where: { name: DEMO_TENANT } })) === 0) {
    const login = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: creds.admin });
    if (login.statusCode !== 200) throw new Error(`bootstrap: the admin cannot log in (${login.statusCode} ${login.body})`);
    const token = (login.json() as { accessToken: string }).accessToken;
    const demo = { email: 'demo@demo-bank.example', password: password() };
    const res = await app.inject({
      method: 'POST',
      url: '/v1/tenants',
      headers: { authorization: `Bearer ${token}` },
      payload: { name: DEMO_TENANT, plan: 'shared', custody: 'custodial', admin: { email: demo.email, password: demo.password } },
    });
    if (res.statusCode !== 201) throw new Error(`bootstrap: the demo tenant was not created (${res.statusCode} ${res.body})`);
    creds = { ...creds, demo: { tenantId: (res.json() as { tenant: { id: string } }).tenant.id, ...demo } };
    writeFileSync(file, JSON.stringify(creds, null, 2), { mode: 0o600 });
    created.demo = true;
  }
  return { credentials: creds, created };
}
