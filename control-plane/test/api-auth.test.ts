/**
 * The API's authentication against a real PostgreSQL and Redis: login, refresh rotation and
 * reuse detection, logout, expired / wrong-audience / alg-confused / tampered / foreign tokens,
 * API keys and their scopes, the JWKS, rate limits on the auth routes, security headers and
 * OpenAPI.
 */
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import t from 'tap';
import { NODE_AUDIENCE } from '../src/auth/token-service.js';
import { PASSWORD, startApiWorld } from './support/api-world.js';

const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');

t.test('authentication', async (t) => {
  const w = await startApiWorld(t, { limits: { authPerMinute: 30 } });
  const { call } = w;

  await t.test('login', async (t) => {
    const ok = await call('POST', '/v1/auth/login', null, { email: w.admin.email.toUpperCase(), password: PASSWORD });
    t.equal(ok.status, 200, 'a platform admin logs in (e-mail case does not matter)');
    t.match(ok.body, { tokenType: 'Bearer', user: { email: w.admin.email, role: 'platform_admin', tenantId: null } });
    t.match(ok.body.refreshToken, /^[A-Za-z0-9_-]{43}$/, 'with a refresh token');
    const me = await call('GET', '/v1/me', ok.body.accessToken as string);
    t.match(me, { status: 200, body: { kind: 'user', roles: ['platform_admin'], email: w.admin.email } }, 'the access token authenticates');

    const wrong = await call('POST', '/v1/auth/login', null, { email: w.admin.email, password: 'not the password' });
    const unknown = await call('POST', '/v1/auth/login', null, { email: 'nobody@nowhere.example', password: 'not the password' });
    t.match(wrong, { status: 401, body: { code: 'INVALID_CREDENTIALS' } }, 'a wrong password is 401 INVALID_CREDENTIALS');
    t.same(unknown.body, wrong.body, 'and an unknown e-mail answers exactly the same');
    t.match(await call('POST', '/v1/auth/login', null, { email: 'not-an-email', password: 'x' }), { status: 400, body: { code: 'INVALID_REQUEST' } }, 'a malformed body is 400');
    t.match(await call('POST', '/v1/auth/login', null, { email: w.admin.email, password: PASSWORD, extra: 1 }), { status: 400 }, 'unknown properties are refused');
  });

  const adminToken = await w.login(w.admin.email, PASSWORD);

  await t.test('refresh rotation, reuse detection, logout', async (t) => {
    const first = (await call('POST', '/v1/auth/login', null, { email: w.admin.email, password: PASSWORD })).body;
    const second = await call('POST', '/v1/auth/refresh', null, { refreshToken: first.refreshToken });
    t.equal(second.status, 200, 'a refresh token is exchanged');
    t.not(second.body.refreshToken, first.refreshToken, 'for a new one');
    t.equal((await call('GET', '/v1/me', second.body.accessToken as string)).status, 200, 'with a working access token');
    const reuse = await call('POST', '/v1/auth/refresh', null, { refreshToken: first.refreshToken });
    t.match(reuse, { status: 401, body: { code: 'REFRESH_REUSED' } }, 'using the old one again is REFRESH_REUSED');
    t.match(await call('POST', '/v1/auth/refresh', null, { refreshToken: second.body.refreshToken }), { status: 401, body: { code: 'REFRESH_REVOKED' } }, 'and revoked the whole family');

    const third = (await call('POST', '/v1/auth/login', null, { email: w.admin.email, password: PASSWORD })).body;
    t.equal((await call('POST', '/v1/auth/logout', null, { refreshToken: third.refreshToken })).status, 204, 'logout');
    t.match(await call('POST', '/v1/auth/refresh', null, { refreshToken: third.refreshToken }), { status: 401, body: { code: 'REFRESH_REVOKED' } }, 'ends the refresh token');
    t.match(await call('POST', '/v1/auth/refresh', null, { refreshToken: 'x'.repeat(43) }), { status: 401, body: { code: 'REFRESH_INVALID' } }, 'an unknown refresh token');
  });

  await t.test('bad access tokens', async (t) => {
    const expired = await w.tokens.issueAccessToken({ subject: 'u', roles: ['platform_admin'], ttlSeconds: 60 });
    w.advance(120_000);
    t.match(await call('GET', '/v1/tenants', expired.token), { status: 401, body: { code: 'TOKEN_EXPIRED' } }, 'an expired token is TOKEN_EXPIRED');
    const nodeToken = await w.tokens.issueAccessToken({ subject: 'u', roles: ['platform_admin'], audience: NODE_AUDIENCE });
    t.match(await call('GET', '/v1/tenants', nodeToken.token), { status: 401, body: { code: 'TOKEN_INVALID' } }, 'a token for the nodes is refused by the API');

    const [h, p] = adminToken.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const header = JSON.parse(Buffer.from(h!, 'base64url').toString()) as Record<string, unknown>;
    const none = `${b64({ ...header, alg: 'none' })}.${p}.`;
    t.match(await call('GET', '/v1/tenants', none), { status: 401, body: { code: 'TOKEN_INVALID' } }, 'alg none');
    const jwk = w.keyRing.jwks().keys[0] as { x: string };
    const hs = await new SignJWT(claims).setProtectedHeader({ ...header, alg: 'HS256' } as { alg: string }).sign(Buffer.from(jwk.x, 'base64url'));
    t.match(await call('GET', '/v1/tenants', hs), { status: 401, body: { code: 'TOKEN_INVALID' } }, 'HS256 keyed with the public key (alg confusion)');
    const tampered = adminToken.split('.');
    tampered[1] = b64({ ...claims, roles: ['platform_admin', 'auditor'], sub: 'someone-else' });
    t.match(await call('GET', '/v1/tenants', tampered.join('.')), { status: 401, body: { code: 'TOKEN_INVALID' } }, 'a tampered payload');
    const foreign = generateKeyPairSync('ed25519');
    const forged = await new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(foreign.privateKey);
    t.match(await call('GET', '/v1/tenants', forged), { status: 401, body: { code: 'TOKEN_INVALID' } }, 'signed by a key that is not ours (same kid)');
    t.match(await call('GET', '/v1/tenants', null), { status: 401, body: { code: 'UNAUTHENTICATED' } }, 'no token');
    const basic = await w.app.inject({ method: 'GET', url: '/v1/tenants', headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    t.equal(basic.statusCode, 401, 'another scheme');
  });

  await t.test('API keys', async (t) => {
    const fresh = await w.login(w.admin.email, PASSWORD);
    const a = await w.createTenant(fresh, 'Keys Bank');
    const b = await w.createTenant(fresh, 'Other Bank');
    const tenantAdmin = await w.login(a.adminEmail, a.adminPassword);
    const rw = await call('POST', `/v1/tenants/${a.id}/api-keys`, tenantAdmin, { name: 'core banking', scopes: ['read', 'write'] });
    t.equal(rw.status, 201, 'a tenant admin creates a key');
    t.match(rw.body.key, /^ksk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/, 'shown once in full');
    const listed = await call('GET', `/v1/tenants/${a.id}/api-keys`, tenantAdmin);
    t.notOk(JSON.stringify(listed.body).includes((rw.body.key as string).split('_')[2]!), 'listings never show the secret');
    const key = rw.body.key as string;
    t.match(await call('GET', `/v1/tenants/${a.id}`, key), { status: 200, body: { id: a.id } }, 'the key reads its tenant');
    t.match(await call('GET', `/v1/tenants/${b.id}`, key), { status: 404, body: { code: 'NOT_FOUND' } }, 'and not another (404)');
    t.match(await call('POST', `/v1/tenants/${a.id}/users`, key, { email: 'x@keys.example', password: PASSWORD, role: 'tenant_member' }), { status: 403 }, 'keys do not administer users');
    const ro = await call('POST', `/v1/tenants/${a.id}/api-keys`, tenantAdmin, { name: 'reporting', scopes: ['read'] });
    t.match(await call('POST', `/v1/tenants/${a.id}/cfa/operations`, ro.body.key as string, { method: 'mint', args: {} }), { status: 403, body: { code: 'FORBIDDEN' } }, 'a read-only key cannot write');
    t.match(await call('POST', `/v1/tenants/${a.id}/cfa/operations`, key, { method: 'gift', args: { asset: 'X', to: 'y', quantity: 1 } }), { status: 202, body: { phase: 'CREATED' } }, 'a write key can');
    const revoked = await call('DELETE', `/v1/api-keys/${(rw.body.apiKey as { id: string }).id}`, tenantAdmin);
    t.match(revoked, { status: 200, body: { revokedAt: String } }, 'a tenant admin revokes a key');
    t.match(await call('GET', `/v1/tenants/${a.id}`, key), { status: 401, body: { code: 'API_KEY_REVOKED' } }, 'which then stops working');
    t.match(await call('GET', `/v1/tenants/${a.id}`, `${key.slice(0, -2)}xx`), { status: 401, body: { code: 'API_KEY_INVALID' } }, 'a wrong secret is invalid');
    t.match(await call('POST', `/v1/tenants/${a.id}/api-keys`, tenantAdmin, { name: 'bad', scopes: ['admin'] }), { status: 400 }, 'unknown scopes are refused');
  });

  await t.test('JWKS, headers, OpenAPI, health', async (t) => {
    const jwks = await call('GET', '/.well-known/jwks.json', null);
    t.equal(jwks.status, 200);
    t.match(jwks.body, { keys: [{ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', kid: String, x: String }] }, 'the JWKS lists the signing key');
    t.notOk(JSON.stringify(jwks.body).includes('"d"'), 'and no private part');
    const r = await w.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${adminToken}` } });
    t.equal(r.headers['x-content-type-options'], 'nosniff', 'nosniff');
    t.match(r.headers['strict-transport-security'], /max-age=31536000/, 'HSTS');
    t.match(r.headers['content-security-policy'], /default-src 'none'/, 'a CSP');
    t.equal(r.headers['x-frame-options'], 'SAMEORIGIN', 'frame options');
    const spec = await call('GET', '/openapi.json', null);
    t.equal(spec.body.openapi, '3.0.3', 'OpenAPI 3 is served');
    const paths = Object.keys(spec.body.paths as object);
    for (const p of ['/v1/auth/login', '/v1/tenants', '/v1/tenants/{id}', '/v1/tenants/{tenantId}/users', '/v1/audit', '/v1/tenants/{tenantId}/cfa/operations']) t.ok(paths.includes(p), `documents ${p}`);
    t.match(await call('GET', '/healthz', null), { status: 200, body: { status: 'ok' } });
    t.match(await call('GET', '/readyz', null), { status: 200, body: { status: 'ready' } }, 'ready with the database up');
    const metrics = await w.app.inject({ method: 'GET', url: '/metrics' });
    t.match(metrics.body, /konsortium_cp_http_request_duration_seconds_bucket\{.*route="\/v1\/me"/, 'request durations are exported by route');
  });

  await t.test('rate limits on the auth routes', async (t) => {
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) statuses.push((await call('POST', '/v1/auth/login', null, { email: 'flood@x.example', password: 'wrong password' })).status);
    t.equal(statuses.filter((s) => s === 401).length, 30, 'the first 30 attempts a minute are answered');
    t.same(statuses.slice(30), [429, 429], 'then 429');
    const limited = await call('POST', '/v1/auth/login', null, { email: 'flood@x.example', password: 'wrong password' });
    t.match(limited.body, { code: 'RATE_LIMITED' }, 'with code RATE_LIMITED');
    t.ok(limited.headers['retry-after'], 'and Retry-After');
    t.equal((await call('POST', '/v1/auth/login', null, { email: w.admin.email, password: PASSWORD })).status, 200, 'another e-mail from the same address still logs in');
  });
});
