// Access tokens: round trip, expiry on an injected clock, audience and issuer separation,
// algorithm confusion (none, HS256 keyed with the public key), tampering, unknown kid, key
// rotation and retirement, a JWKS without private parts, and tokens for nodes checked exactly
// as the node's verifier (data-plane/node/src/http/auth.ts) checks them.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import t from 'tap';
import type {
  AuthError} from '../src/auth/index.js';
import {
  API_AUDIENCE,
  exportPrivateJwk,
  generateSigningKey,
  importSigningKey,
  KeyRing,
  NODE_AUDIENCE,
  TokenService,
} from '../src/auth/index.js';
import { codeOf } from './support/auth-code.js';

const T0 = Date.UTC(2030, 0, 1);

async function setup(o: { issuer?: string } = {}) {
  let now = T0;
  const keys = await KeyRing.generate({ now: () => now });
  const tokens = new TokenService({ keys, now: () => now, ...o });
  return { keys, tokens, advance: (ms: number) => (now += ms), clock: () => now };
}

const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');

function claimsFor(token: string, audience: string = API_AUDIENCE): Record<string, unknown> {
  return { ...decodeJwt(token), aud: audience };
}

t.test('round trip: the claims come back as issued', async (t) => {
  const { tokens, keys } = await setup();
  const issued = await tokens.issueAccessToken({ subject: 'user-1', roles: ['tenant-admin', 'auditor', 'auditor'], tenant: 'acme' });
  t.equal(issued.audience, API_AUDIENCE, 'the API is the default audience');
  t.equal(issued.expiresAtMs, T0 + 15 * 60 * 1000, '15 minutes by default');
  t.match(issued.jti, /^[0-9a-f-]{36}$/);
  const claims = await tokens.verifyAccessToken(issued.token);
  t.strictSame(claims, {
    subject: 'user-1',
    roles: ['tenant-admin', 'auditor'],
    tenant: 'acme',
    issuer: 'konsortium',
    audience: API_AUDIENCE,
    jti: issued.jti,
    kid: keys.active.kid,
    issuedAtMs: T0,
    expiresAtMs: T0 + 900_000,
  });
  t.strictSame(decodeProtectedHeader(issued.token), { alg: 'EdDSA', kid: keys.active.kid, typ: 'at+jwt' }, 'header: EdDSA, kid, typ');
  const payload = decodeJwt(issued.token);
  t.strictSame(Object.keys(payload).sort(), ['aud', 'exp', 'iat', 'iss', 'jti', 'roles', 'sub', 'tenant']);

  const noTenant = await tokens.issueAccessToken({ subject: 'op', roles: ['admin'] });
  t.equal((await tokens.verifyAccessToken(noTenant.token)).tenant, null, 'no tenant → null');
  t.notOk('tenant' in decodeJwt(noTenant.token), 'and no tenant claim at all');
  const a = await tokens.issueAccessToken({ subject: 'op', roles: [] });
  const b = await tokens.issueAccessToken({ subject: 'op', roles: [] });
  t.not(a.jti, b.jti, 'every token has its own jti');
});

t.test('expiry follows the injected clock, with 5 s of tolerance', async (t) => {
  const { tokens, advance } = await setup();
  const { token } = await tokens.issueAccessToken({ subject: 'u', roles: [] });
  advance(15 * 60 * 1000 + 4_000);
  t.equal(await codeOf(tokens.verifyAccessToken(token)), 'NO_ERROR', 'within the tolerance after exp: still valid');
  advance(2_000);
  t.equal(await codeOf(tokens.verifyAccessToken(token)), 'TOKEN_EXPIRED', 'past exp + tolerance: expired');
  const short = await tokens.issueAccessToken({ subject: 'u', roles: [], ttlSeconds: 60 });
  advance(66_000);
  t.equal(await codeOf(tokens.verifyAccessToken(short.token)), 'TOKEN_EXPIRED', 'a per-token ttl is honoured');
  try {
    await tokens.verifyAccessToken(token);
  } catch (err) {
    t.equal((err as AuthError).httpStatus, 401);
  }
});

t.test('a token issued in the future (beyond the tolerance) is refused', async (t) => {
  const { keys, tokens } = await setup();
  const token = await new SignJWT({ roles: [] })
    .setProtectedHeader({ alg: 'EdDSA', kid: keys.active.kid, typ: 'at+jwt' })
    .setSubject('u').setIssuer('konsortium').setAudience(API_AUDIENCE).setJti('j')
    .setIssuedAt(T0 / 1000 + 600).setNotBefore(T0 / 1000 + 600).setExpirationTime(T0 / 1000 + 1200)
    .sign(keys.active.privateKey);
  t.equal(await codeOf(tokens.verifyAccessToken(token)), 'TOKEN_INVALID', 'nbf 10 minutes ahead');
});

t.test('audiences are separate: node tokens are refused by the API and the other way round', async (t) => {
  const { tokens } = await setup();
  const forNode = await tokens.issueAccessToken({ subject: 'svc', roles: ['operator'], audience: NODE_AUDIENCE });
  const forApi = await tokens.issueAccessToken({ subject: 'svc', roles: ['operator'] });
  t.equal(await codeOf(tokens.verifyAccessToken(forNode.token)), 'TOKEN_INVALID', 'a node token against the API');
  t.equal(await codeOf(tokens.verifyAccessToken(forApi.token, { audience: NODE_AUDIENCE })), 'TOKEN_INVALID', 'an API token against the node audience');
  t.equal((await tokens.verifyAccessToken(forNode.token, { audience: NODE_AUDIENCE })).audience, NODE_AUDIENCE, 'each against its own audience passes');
  t.equal((await tokens.verifyAccessToken(forApi.token)).audience, API_AUDIENCE);
});

t.test('a token naming several audiences is not ours, even when one of them matches', async (t) => {
  const { keys, tokens } = await setup();
  const token = await new SignJWT({ roles: [] })
    .setProtectedHeader({ alg: 'EdDSA', kid: keys.active.kid, typ: 'at+jwt' })
    .setSubject('u').setIssuer('konsortium').setAudience([API_AUDIENCE, NODE_AUDIENCE]).setJti('j')
    .setIssuedAt(T0 / 1000).setExpirationTime(T0 / 1000 + 60)
    .sign(keys.active.privateKey);
  t.equal(await codeOf(tokens.verifyAccessToken(token)), 'TOKEN_INVALID', 'API');
  t.equal(await codeOf(tokens.verifyAccessToken(token, { audience: NODE_AUDIENCE })), 'TOKEN_INVALID', 'node');
});

t.test('wrong issuer', async (t) => {
  const { keys, tokens, clock } = await setup();
  const other = new TokenService({ keys, issuer: 'not-konsortium', now: clock });
  const { token } = await other.issueAccessToken({ subject: 'u', roles: ['admin'] });
  t.equal(await codeOf(tokens.verifyAccessToken(token)), 'TOKEN_INVALID', 'same keys, other issuer: refused');
  t.equal(await codeOf(other.verifyAccessToken(token)), 'NO_ERROR', 'the other issuer accepts its own');
});

t.test('alg none is refused', async (t) => {
  const { tokens, keys } = await setup();
  const { token } = await tokens.issueAccessToken({ subject: 'u', roles: [] });
  const payload = b64({ ...claimsFor(token), roles: ['admin'] });
  for (const alg of ['none', 'None', 'NONE']) {
    const header = b64({ alg, kid: keys.active.kid, typ: 'at+jwt' });
    t.equal(await codeOf(tokens.verifyAccessToken(`${header}.${payload}.`)), 'TOKEN_INVALID', `alg ${alg}, empty signature`);
    t.equal(await codeOf(tokens.verifyAccessToken(`${header}.${payload}.${token.split('.')[2]}`)), 'TOKEN_INVALID', `alg ${alg}, a real signature`);
  }
});

t.test('alg confusion: HS256 keyed with the public key is refused', async (t) => {
  const { tokens, keys } = await setup();
  const jwk = keys.active.publicJwk;
  const candidates: Record<string, Uint8Array> = {
    'raw public key bytes': Buffer.from(jwk.x, 'base64url'),
    'the x string': Buffer.from(jwk.x),
    'the JWK JSON': Buffer.from(JSON.stringify(jwk)),
    'the SPKI PEM': Buffer.from(keys.active.publicKey.export({ format: 'pem', type: 'spki' }) as string),
    'the SPKI DER': keys.active.publicKey.export({ format: 'der', type: 'spki' }),
  };
  for (const [what, secret] of Object.entries(candidates)) {
    for (const alg of ['HS256', 'HS512']) {
      const forged = await new SignJWT({ roles: ['admin'] })
        .setProtectedHeader({ alg, kid: jwk.kid, typ: 'at+jwt' })
        .setSubject('attacker').setIssuer('konsortium').setAudience(API_AUDIENCE).setJti('x')
        .setIssuedAt(T0 / 1000).setExpirationTime(T0 / 1000 + 600)
        .sign(secret);
      t.equal(await codeOf(tokens.verifyAccessToken(forged)), 'TOKEN_INVALID', `${alg} with ${what}`);
    }
  }
  // Another asymmetric alg under our kid: ES256 with an attacker key.
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const es = await new SignJWT({ roles: ['admin'] })
    .setProtectedHeader({ alg: 'ES256', kid: jwk.kid, typ: 'at+jwt' })
    .setSubject('attacker').setIssuer('konsortium').setAudience(API_AUDIENCE).setJti('x')
    .setIssuedAt(T0 / 1000).setExpirationTime(T0 / 1000 + 600)
    .sign(privateKey);
  t.equal(await codeOf(tokens.verifyAccessToken(es)), 'TOKEN_INVALID', 'ES256 under our kid');
  // Even our own key under another name for the same algorithm (RFC 9864's fully-specified
  // "Ed25519"): only the pinned EdDSA is accepted, as on the nodes.
  const renamed = await new SignJWT({ roles: [] })
    .setProtectedHeader({ alg: 'Ed25519', kid: jwk.kid, typ: 'at+jwt' })
    .setSubject('u').setIssuer('konsortium').setAudience(API_AUDIENCE).setJti('x')
    .setIssuedAt(T0 / 1000).setExpirationTime(T0 / 1000 + 600)
    .sign(keys.active.privateKey);
  t.equal(await codeOf(tokens.verifyAccessToken(renamed)), 'TOKEN_INVALID', 'alg Ed25519 with our own key');
});

t.test('tampered payload, tampered signature, foreign key under our kid', async (t) => {
  const { tokens, keys } = await setup();
  const { token } = await tokens.issueAccessToken({ subject: 'u', roles: ['tenant-member'], tenant: 'acme' });
  const [header, , signature] = token.split('.') as [string, string, string];
  const escalated = `${header}.${b64({ ...claimsFor(token), roles: ['admin'] })}.${signature}`;
  t.equal(await codeOf(tokens.verifyAccessToken(escalated)), 'TOKEN_INVALID', 'roles raised to admin');
  const otherTenant = `${header}.${b64({ ...claimsFor(token), tenant: 'globex' })}.${signature}`;
  t.equal(await codeOf(tokens.verifyAccessToken(otherTenant)), 'TOKEN_INVALID', 'tenant changed');
  const later = `${header}.${b64({ ...claimsFor(token), exp: (decodeJwt(token).exp ?? 0) + 86_400 })}.${signature}`;
  t.equal(await codeOf(tokens.verifyAccessToken(later)), 'TOKEN_INVALID', 'expiry extended');

  const sig = Buffer.from(signature, 'base64url');
  for (const i of [0, 31, 63]) {
    const flipped = Buffer.from(sig);
    flipped[i] = flipped[i]! ^ 0x01;
    t.equal(await codeOf(tokens.verifyAccessToken(`${header}.${token.split('.')[1]}.${flipped.toString('base64url')}`)), 'TOKEN_INVALID', `signature byte ${i} flipped`);
  }
  t.equal(await codeOf(tokens.verifyAccessToken(`${header}.${token.split('.')[1]}.`)), 'TOKEN_INVALID', 'signature removed');
  t.equal(await codeOf(tokens.verifyAccessToken(`${token}.x`)), 'TOKEN_INVALID', 'an extra segment');
  t.equal(await codeOf(tokens.verifyAccessToken('')), 'TOKEN_INVALID', 'empty');
  t.equal(await codeOf(tokens.verifyAccessToken('a'.repeat(10_000))), 'TOKEN_INVALID', 'huge');
  t.equal(await codeOf(tokens.verifyAccessToken('not.a.jwt')), 'TOKEN_INVALID', 'garbage');

  const foreign = await generateSigningKey({ kid: keys.active.kid });
  const impostor = await new SignJWT({ roles: ['admin'] })
    .setProtectedHeader({ alg: 'EdDSA', kid: keys.active.kid, typ: 'at+jwt' })
    .setSubject('attacker').setIssuer('konsortium').setAudience(API_AUDIENCE).setJti('x')
    .setIssuedAt(T0 / 1000).setExpirationTime(T0 / 1000 + 600)
    .sign(foreign.privateKey);
  t.equal(await codeOf(tokens.verifyAccessToken(impostor)), 'TOKEN_INVALID', 'an Ed25519 key that is not ours, claiming our kid');
});

t.test('the header must say at+jwt, carry a kid we hold, and the claims must be well-typed', async (t) => {
  const { tokens, keys } = await setup();
  const sign = (header: Record<string, unknown>, claims: Record<string, unknown> = { roles: [] }) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', ...header })
      .setSubject('u').setIssuer('konsortium').setAudience(API_AUDIENCE).setJti('j')
      .setIssuedAt(T0 / 1000).setExpirationTime(T0 / 1000 + 600)
      .sign(keys.active.privateKey);
  t.equal(await codeOf(tokens.verifyAccessToken(await sign({ kid: keys.active.kid, typ: 'at+jwt' }))), 'NO_ERROR', 'the control');
  t.equal(await codeOf(tokens.verifyAccessToken(await sign({ kid: keys.active.kid }))), 'TOKEN_INVALID', 'no typ');
  t.equal(await codeOf(tokens.verifyAccessToken(await sign({ kid: keys.active.kid, typ: 'JWT' }))), 'TOKEN_INVALID', 'typ JWT');
  t.equal(await codeOf(tokens.verifyAccessToken(await sign({ typ: 'at+jwt' }))), 'TOKEN_INVALID', 'no kid');
  t.equal(await codeOf(tokens.verifyAccessToken(await sign({ kid: 'nope', typ: 'at+jwt' }))), 'TOKEN_INVALID', 'unknown kid');
  const h = { kid: keys.active.kid, typ: 'at+jwt' };
  t.equal(await codeOf(tokens.verifyAccessToken(await sign(h, { roles: 'admin' }))), 'TOKEN_INVALID', 'roles a string');
  t.equal(await codeOf(tokens.verifyAccessToken(await sign(h, { roles: ['admin', 7] }))), 'TOKEN_INVALID', 'roles with a number');
  t.equal(await codeOf(tokens.verifyAccessToken(await sign(h, {}))), 'TOKEN_INVALID', 'no roles');
  t.equal(await codeOf(tokens.verifyAccessToken(await sign(h, { roles: [], tenant: 5 }))), 'TOKEN_INVALID', 'tenant a number');
});

t.test('unknown kid: a token from another ring', async (t) => {
  const { tokens, clock } = await setup();
  const elsewhere = new TokenService({ keys: await KeyRing.generate(), now: clock });
  const { token } = await elsewhere.issueAccessToken({ subject: 'u', roles: ['admin'] });
  t.equal(await codeOf(tokens.verifyAccessToken(token)), 'TOKEN_INVALID');
  t.equal(await codeOf(elsewhere.verifyAccessToken(token)), 'NO_ERROR', 'its own ring accepts it');
});

t.test('key rotation: old tokens verify while their key is in the ring, and fail after retirement', async (t) => {
  const { tokens, keys } = await setup();
  const oldKid = keys.active.kid;
  const before = await tokens.issueAccessToken({ subject: 'u', roles: [] });
  const newKey = await keys.rotate();
  t.not(newKey.kid, oldKid, 'a new kid');
  t.equal(keys.active.kid, newKey.kid, 'the new key is active');
  const after = await tokens.issueAccessToken({ subject: 'u', roles: [] });
  t.equal(decodeProtectedHeader(after.token).kid, newKey.kid, 'new tokens are signed by the new key');
  t.equal(decodeProtectedHeader(before.token).kid, oldKid);
  t.strictSame(keys.jwks().keys.map((k) => k.kid), [newKey.kid, oldKid], 'both keys published, the active first');
  t.equal(await codeOf(tokens.verifyAccessToken(before.token)), 'NO_ERROR', 'the old key still verifies');
  t.equal(await codeOf(tokens.verifyAccessToken(after.token)), 'NO_ERROR');

  t.equal(await codeOf(() => keys.retire(newKey.kid)), 'INVALID_ARGUMENT', 'the active key cannot be retired');
  keys.retire(oldKid);
  t.strictSame(keys.kids(), [newKey.kid]);
  t.equal(await codeOf(tokens.verifyAccessToken(before.token)), 'TOKEN_INVALID', 'after retirement the old token fails');
  t.equal(await codeOf(tokens.verifyAccessToken(after.token)), 'NO_ERROR', 'the new one still verifies');
  t.equal(await codeOf(() => keys.retire(oldKid)), 'INVALID_ARGUMENT', 'retiring twice');
});

t.test('staged rotation: add publishes without signing, activate switches', async (t) => {
  const { tokens, keys } = await setup();
  const first = keys.active.kid;
  const staged = await generateSigningKey();
  keys.add(staged);
  t.ok(keys.jwks().keys.some((k) => k.kid === staged.kid), 'published');
  t.equal(decodeProtectedHeader((await tokens.issueAccessToken({ subject: 'u', roles: [] })).token).kid, first, 'not yet signing');
  keys.activate(staged.kid);
  t.equal(decodeProtectedHeader((await tokens.issueAccessToken({ subject: 'u', roles: [] })).token).kid, staged.kid, 'now signing');
  t.equal(await codeOf(() => keys.activate('missing')), 'INVALID_ARGUMENT');
  const clash = await generateSigningKey({ kid: staged.kid });
  t.equal(await codeOf(() => keys.add(clash)), 'INVALID_ARGUMENT', 'a different key under a kid already in the ring');
});

t.test('the JWKS holds public keys only', async (t) => {
  const { keys } = await setup();
  await keys.rotate();
  const jwks = keys.jwks();
  t.equal(jwks.keys.length, 2);
  const text = JSON.stringify(jwks);
  for (const k of jwks.keys) {
    t.strictSame(Object.keys(k).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x'], `exactly the public members for ${k.kid}`);
    t.notOk('d' in k, 'no d');
    t.equal(k.kty, 'OKP');
    t.equal(k.crv, 'Ed25519');
    t.equal(k.alg, 'EdDSA');
    const signing = keys.find(k.kid!)!;
    const d = exportPrivateJwk(signing).d!;
    t.equal(Buffer.from(d, 'base64url').length, 32, 'the private scalar exists (and is what must not leak)');
    t.notOk(text.includes(d), 'the private scalar appears nowhere in the JWKS');
  }
  jwks.keys[0]!.x = 'mutated';
  t.not(keys.jwks().keys[0]!.x, 'mutated', 'the JWKS is a copy: mutating it does not change the ring');
});

t.test('a stored key comes back (export → import) and verifies what it signed', async (t) => {
  const { tokens, keys, clock } = await setup();
  const { token } = await tokens.issueAccessToken({ subject: 'u', roles: [] });
  const restored = await importSigningKey(exportPrivateJwk(keys.active));
  t.equal(restored.kid, keys.active.kid, 'same kid');
  t.strictSame(restored.publicJwk, keys.active.publicJwk, 'same public key');
  const again = new TokenService({ keys: new KeyRing(restored), now: clock });
  t.equal(await codeOf(again.verifyAccessToken(token)), 'NO_ERROR', 'the restored ring verifies the old token');
  const { token: fresh } = await again.issueAccessToken({ subject: 'u', roles: [] });
  t.equal(await codeOf(tokens.verifyAccessToken(fresh)), 'NO_ERROR', 'and signs tokens the original accepts');
  const pub = createPublicKey(keys.active.privateKey).export({ format: 'jwk' });
  t.equal(await codeOf(importSigningKey(pub)), 'INVALID_ARGUMENT', 'a public JWK is not a signing key');
  const mismatched = { ...exportPrivateJwk(keys.active), x: (await generateSigningKey()).publicJwk.x };
  t.equal(await codeOf(importSigningKey(mismatched)), 'INVALID_ARGUMENT', 'x that is not d\'s public key');
});

t.test('bad issue requests are INVALID_ARGUMENT (400)', async (t) => {
  const { tokens, keys } = await setup();
  t.equal(await codeOf(tokens.issueAccessToken({ subject: '', roles: [] })), 'INVALID_ARGUMENT', 'empty subject');
  t.equal(await codeOf(tokens.issueAccessToken({ subject: 'u', roles: [''] })), 'INVALID_ARGUMENT', 'empty role');
  t.equal(await codeOf(tokens.issueAccessToken({ subject: 'u', roles: 'admin' as unknown as string[] })), 'INVALID_ARGUMENT', 'roles not an array');
  t.equal(await codeOf(tokens.issueAccessToken({ subject: 'u', roles: [], ttlSeconds: 0 })), 'INVALID_ARGUMENT', 'ttl 0');
  t.equal(await codeOf(tokens.issueAccessToken({ subject: 'u', roles: [], ttlSeconds: 86_401 })), 'INVALID_ARGUMENT', 'ttl over a day');
  t.equal(await codeOf(tokens.issueAccessToken({ subject: 'u', roles: [], tenant: '' })), 'INVALID_ARGUMENT', 'empty tenant');
  t.equal(await codeOf(() => new TokenService({ keys, clockToleranceSeconds: 3600 })), 'INVALID_ARGUMENT', 'a tolerance of an hour');
  try {
    await tokens.issueAccessToken({ subject: '', roles: [] });
  } catch (err) {
    t.equal((err as AuthError).httpStatus, 400);
  }
});

t.test('a token minted for nodes passes the node verifier (jose, JWKS, EdDSA pinned, konsortium / konsortium-node)', async (t) => {
  // The node verifier reads the real clock, so these tokens are issued on it too.
  const keys = await KeyRing.generate();
  const tokens = new TokenService({ keys });
  const { token } = await tokens.issueAccessToken({ subject: 'tenant-acme-app', roles: ['operator'], tenant: 'acme', audience: NODE_AUDIENCE });
  // Exactly what data-plane/node/src/http/auth.ts does (the JWKS round-trips through JSON, as a file or URL would).
  const jwks = createLocalJWKSet(JSON.parse(JSON.stringify(keys.jwks())));
  const { payload } = await jwtVerify(token, jwks, { issuer: 'konsortium', audience: 'konsortium-node', algorithms: ['EdDSA'], clockTolerance: 5 });
  const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
  t.equal(payload.sub, 'tenant-acme-app', 'subject');
  t.strictSame(roles, ['operator'], 'roles as the node reads them (grants admin routes)');
  t.equal(payload.tenant, 'acme', 'tenant as the node reads it');

  const forApi = await tokens.issueAccessToken({ subject: 'u', roles: ['operator'] });
  await t.rejects(
    jwtVerify(forApi.token, jwks, { issuer: 'konsortium', audience: 'konsortium-node', algorithms: ['EdDSA'], clockTolerance: 5 }),
    { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud' },
    'the node verifier refuses an API token',
  );
  await keys.rotate();
  const rotated = await tokens.issueAccessToken({ subject: 'u', roles: [], audience: NODE_AUDIENCE });
  await t.rejects(
    jwtVerify(rotated.token, jwks, { issuer: 'konsortium', audience: 'konsortium-node', algorithms: ['EdDSA'] }),
    { code: 'ERR_JWKS_NO_MATCHING_KEY' },
    'a node holding the old JWKS does not know the new kid (why rotation publishes first)',
  );
  const refreshed = createLocalJWKSet(JSON.parse(JSON.stringify(keys.jwks())));
  const both = await Promise.all([token, rotated.token].map((tok) => jwtVerify(tok, refreshed, { issuer: 'konsortium', audience: 'konsortium-node', algorithms: ['EdDSA'] })));
  t.equal(both.length, 2, 'with the new JWKS both the old and the new token verify');
});
