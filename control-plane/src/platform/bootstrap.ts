/**
 * First start: the first platform admin (and, for the embedded default, a demo tenant created
 * through the API like any other). The generated credentials are kept in a 0600 file in the
 * data directory, so later starts can print them again.
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

export async function bootstrap(db: PrismaClient, app: ApiApp, file: string, o: { adminEmail: string; demoTenant: boolean }): Promise<Credentials> {
  let creds: Credentials | null = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Credentials) : null;
  if (creds === null) {
    creds = { admin: { email: o.adminEmail, password: password() } };
    if ((await db.user.count({ where: { role: 'platform_admin' } })) === 0) {
      const user = await db.user.create({ data: { email: o.adminEmail, passwordHash: await hashPassword(creds.admin.password), role: 'platform_admin' } });
      await audit(db, 'system', { tenantId: null, action: 'user.bootstrap', objectType: 'user', objectId: user.id, details: { email: user.email } });
    }
    writeFileSync(file, JSON.stringify(creds, null, 2), { mode: 0o600 });
  }
  if (o.demoTenant && creds.demo === undefined) {
    const login = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: creds.admin });
    if (login.statusCode !== 200) throw new Error(`bootstrap: the admin cannot log in (${login.statusCode} ${login.body})`);
    const token = (login.json() as { accessToken: string }).accessToken;
    const demo = { email: 'demo@demo-bank.example', password: password() };
    const res = await app.inject({
      method: 'POST',
      url: '/v1/tenants',
      headers: { authorization: `Bearer ${token}` },
      payload: { name: 'Demo Bank', plan: 'shared', custody: 'custodial', admin: { email: demo.email, password: demo.password } },
    });
    if (res.statusCode !== 201) throw new Error(`bootstrap: the demo tenant was not created (${res.statusCode} ${res.body})`);
    creds = { ...creds, demo: { tenantId: (res.json() as { tenant: { id: string } }).tenant.id, ...demo } };
    writeFileSync(file, JSON.stringify(creds, null, 2), { mode: 0o600 });
  }
  return creds;
}
