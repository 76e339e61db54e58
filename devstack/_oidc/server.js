// Local OpenID Connect provider for Hoist's dev stack and tests. Never
// shipped. Started by the Go package hoist/devstack (StartOIDC), which sets
// the environment below; `npm start` runs it standalone with the defaults.
//
// Environment (all optional):
//   OIDC_PORT                  port on 127.0.0.1 (or the first argument); default 9400
//   OIDC_CLIENT_ID             the one public native client; default "hoist"
//   OIDC_REDIRECT_URIS         space-separated; default "http://127.0.0.1/callback"
//                              (any port is accepted on a loopback redirect URI)
//   OIDC_ID_TOKEN_TTL          ID and access token lifetime, seconds; default 600
//   OIDC_REFRESH_TOKEN_TTL     refresh token lifetime from sign-in, seconds; default 14 days
//   OIDC_SESSION_TTL           browser session lifetime, seconds; default 1 day
//   OIDC_ROTATE_REFRESH_TOKENS "0" to keep one refresh token per sign-in; default rotate
//   OIDC_USERS                 JSON [{"sub","username","password","email","name","groups"}];
//                              default the demo users below
//   OIDC_EXTRA_CLAIMS          JSON object added to every user's ID token claims
//   OIDC_KEYS_FILE             private JWKS to load, or to create when missing;
//                              default: a fresh key pair in memory
//   OIDC_TEST_HOOKS            "1" enables POST /__test/revoke-all
//   OIDC_CLIENT_SECRET         makes the client confidential (client_secret_basic);
//                              default public (token_endpoint_auth_method none)
//   OIDC_PKCE_METHODS_SET      "1": replace code_challenge_methods_supported in the
//                              discovery document with OIDC_PKCE_METHODS (space-separated,
//                              empty: left out); imitates a provider without PKCE S256
//   OIDC_HOIST_DESCRIPTOR      file served as Hoist's organisation descriptor at
//                              /.well-known/hoist.json (read per request; 404 while missing)
//
// Prints "ready <issuer>" on stdout once it listens. Stops on SIGTERM/SIGINT.

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import Provider from 'oidc-provider';

// The same as devstack.DemoUsers() in Go (subs from devstack.SubjectFor).
const DEMO_USERS = [
  { sub: 'cd7d51af-c162-4aca-bf1d-03b91aa01dba', username: 'alice', password: 'alice-password', email: 'alice@example.com', name: 'Alice Example' },
  { sub: '15eb11a8-edab-4edc-b907-bb216b6ba7e9', username: 'bob', password: 'bob-password', email: 'bob@example.com', name: 'Bob Example' },
  { sub: '1f393cd6-acdc-4081-b293-38f9fccda262', username: 'sam', password: 'sam-password', email: 'sam@acme.example', name: 'Sam Support', groups: ['hoist-staff'] },
];

const DAY = 24 * 60 * 60;

// settings reads the environment into one plain object; it throws on a
// malformed value so that a typo stops the server at start.
function settings(env, argv) {
  const port = Number(argv[2] ?? env.OIDC_PORT ?? 9400);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`bad port ${argv[2] ?? env.OIDC_PORT}`);
  }
  return {
    port,
    issuer: `http://127.0.0.1:${port}`,
    clientId: env.OIDC_CLIENT_ID || 'hoist',
    redirectUris: (env.OIDC_REDIRECT_URIS || 'http://127.0.0.1/callback').split(/\s+/).filter(Boolean),
    tokenTTL: seconds(env, 'OIDC_ID_TOKEN_TTL', 600),
    refreshTTL: seconds(env, 'OIDC_REFRESH_TOKEN_TTL', 14 * DAY),
    sessionTTL: seconds(env, 'OIDC_SESSION_TTL', DAY),
    rotate: env.OIDC_ROTATE_REFRESH_TOKENS !== '0',
    users: env.OIDC_USERS ? JSON.parse(env.OIDC_USERS) : DEMO_USERS,
    extraClaims: env.OIDC_EXTRA_CLAIMS ? JSON.parse(env.OIDC_EXTRA_CLAIMS) : {},
    keysFile: env.OIDC_KEYS_FILE || '',
    testHooks: env.OIDC_TEST_HOOKS === '1',
    descriptorFile: env.OIDC_HOIST_DESCRIPTOR || '',
    clientSecret: env.OIDC_CLIENT_SECRET || '',
    pkceMethods: env.OIDC_PKCE_METHODS_SET === '1'
      ? (env.OIDC_PKCE_METHODS || '').split(/\s+/).filter(Boolean)
      : undefined,
  };
}

function seconds(env, name, fallback) {
  if (!env[name]) return fallback;
  const n = Number(env[name]);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}=${env[name]}: want a positive whole number of seconds`);
  return n;
}

// loadOrCreateKeys returns a private JWKS with one RS256 signing key. With a
// file name it reuses the keys in that file, or writes new ones there, so a
// restarted provider keeps signing with the key MinIO and clients cached.
function loadOrCreateKeys(file) {
  if (file && fs.existsSync(file)) {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  }
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  const jwks = { keys: [{ ...jwk, kid: crypto.randomUUID(), alg: 'RS256', use: 'sig' }] };
  if (file) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(jwks, null, 2)}\n`, { mode: 0o600 });
  }
  return jwks;
}

// Store is the provider's storage: everything in memory, nothing evicted
// before it expires, and one call to forget every grant (the test hook).
class Store {
  #items = new Map(); // "Model:id" -> { payload, expiresAt (ms, or Infinity) }

  adapter() {
    return (model) => new StoreAdapter(this, model);
  }

  get(key) {
    const item = this.#items.get(key);
    if (!item) return undefined;
    if (item.expiresAt <= Date.now()) {
      this.#items.delete(key);
      return undefined;
    }
    return item.payload;
  }

  set(key, payload, expiresIn) {
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
    this.#items.set(key, { payload, expiresAt });
  }

  delete(key) {
    this.#items.delete(key);
  }

  // findWhere returns the first live payload for which fn(model, payload)
  // is true.
  findWhere(fn) {
    for (const key of this.#items.keys()) {
      const payload = this.get(key);
      if (payload && fn(key.slice(0, key.indexOf(':')), payload)) return payload;
    }
    return undefined;
  }

  // deleteWhere deletes every live item for which fn(model, payload) is true
  // and returns how many it deleted.
  deleteWhere(fn) {
    let n = 0;
    for (const [key, item] of this.#items) {
      const model = key.slice(0, key.indexOf(':'));
      if (fn(model, item.payload)) {
        this.#items.delete(key);
        n += 1;
      }
    }
    return n;
  }
}

// Models that hold a user's sign-in: revoke-all forgets all of them, so every
// refresh token fails and the next authorization asks for a password again.
const SIGN_IN_MODELS = new Set(['Session', 'Grant', 'AccessToken', 'AuthorizationCode', 'RefreshToken', 'Interaction']);

// StoreAdapter implements oidc-provider's adapter interface for one model.
class StoreAdapter {
  constructor(store, model) {
    this.store = store;
    this.model = model;
  }

  key(id) { return `${this.model}:${id}`; }

  async upsert(id, payload, expiresIn) { this.store.set(this.key(id), payload, expiresIn); }

  async find(id) { return this.store.get(this.key(id)); }

  async findByUid(uid) {
    return this.store.findWhere((model, p) => model === this.model && p.uid === uid);
  }

  async findByUserCode() { return undefined; } // device flow is off

  async consume(id) {
    const p = this.store.get(this.key(id));
    if (p) p.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) { this.store.delete(this.key(id)); }

  async revokeByGrantId(grantId) {
    this.store.deleteWhere((model, p) => model === this.model && p.grantId === grantId);
  }
}

// accounts indexes the users by sub and by username.
function accounts(users, extraClaims) {
  const bySub = new Map();
  const byName = new Map();
  for (const u of users) {
    if (!u.sub || !u.username || !u.password) throw new Error('every user needs sub, username and password');
    bySub.set(u.sub, u);
    byName.set(u.username, u);
  }
  return {
    byName,
    find(sub) {
      const u = bySub.get(sub);
      if (!u) return undefined;
      return {
        accountId: u.sub,
        async claims() {
          return {
            ...extraClaims,
            sub: u.sub,
            email: u.email,
            email_verified: Boolean(u.email),
            preferred_username: u.username,
            name: u.name,
            ...(u.groups?.length ? { groups: u.groups } : {}),
          };
        },
      };
    },
  };
}

function providerConfig(s, store, users) {
  return {
    adapter: store.adapter(),
    clients: [{
      client_id: s.clientId,
      application_type: 'native',
      ...(s.clientSecret
        ? { client_secret: s.clientSecret, token_endpoint_auth_method: 'client_secret_basic' }
        : { token_endpoint_auth_method: 'none' }),
      redirect_uris: s.redirectUris,
      post_logout_redirect_uris: s.redirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      id_token_signed_response_alg: 'RS256',
    }],
    claims: {
      openid: ['sub', 'groups', ...Object.keys(s.extraClaims)],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
    },
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    conformIdTokenClaims: false, // scope-granted claims go into the ID token itself
    pkce: { required: () => true }, // S256 is the only method oidc-provider 9 offers
    // A refresh token for every sign-in of a client allowed the grant, not
    // only with offline_access. Without offline_access it dies with the
    // browser session (oidc-provider's expiresWithSession default).
    issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => s.rotate,
    findAccount: async (ctx, sub) => users.find(sub),
    jwks: loadOrCreateKeys(s.keysFile),
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: () => s.tokenTTL,
      IdToken: () => s.tokenTTL,
      // Rotation keeps the first token's expiry: refresh tokens stop working
      // refreshTTL after sign-in, however often they were used.
      RefreshToken: (ctx) => ctx?.oidc?.entities.RotatedRefreshToken?.remainingTTL ?? s.refreshTTL,
      Session: () => s.sessionTTL,
      Grant: () => Math.max(s.refreshTTL, s.sessionTTL),
      Interaction: () => 60 * 60,
    },
  };
}

const escapeHTML = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHTML(title)}</title>
<style>
body { font-family: sans-serif; max-width: 26em; margin: 3em auto; padding: 0 1em; }
label, input, button { display: block; width: 100%; box-sizing: border-box; }
input { margin: .3em 0 1em; padding: .5em; }
button { padding: .6em; }
.error { color: #a00; }
.demo { background: #f4f4f4; padding: .5em 1em; }
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

// loginPage is the sign-in form. The dev stack's demo accounts are listed on
// it, in plain text, on purpose.
function loginPage(s, uid, { loginHint = '', error = '' } = {}) {
  const demo = s.users.map((u) => `<li>user <code>${escapeHTML(u.username)}</code>, password <code>${escapeHTML(u.password)}</code></li>`).join('\n');
  return page('Sign in — Hoist dev stack', `<h1>Sign in</h1>
<p>Hoist dev stack identity provider (${escapeHTML(s.issuer)}).</p>
${error ? `<p class="error" id="error">${escapeHTML(error)}</p>` : ''}
<form id="login" method="post" action="/interaction/${escapeHTML(uid)}/login" autocomplete="off">
<label for="login-name">Username</label>
<input id="login-name" name="login" type="text" value="${escapeHTML(loginHint)}" autofocus required>
<label for="password">Password</label>
<input id="password" name="password" type="password" required>
<button id="submit" type="submit">Sign in</button>
</form>
<p><a id="cancel" href="/interaction/${escapeHTML(uid)}/abort">Cancel</a></p>
<div class="demo"><p>Demo accounts (development only):</p>
<ul>
${demo}
</ul></div>`);
}

function send(res, status, contentType, body) {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// grantConsent records that the user agreed to everything the client asked
// for: the dev stack has no consent screen.
async function grantConsent(provider, details) {
  const { prompt: { details: missing }, grantId, session, params } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  if (missing.missingResourceScopes) {
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
  }
  return grant.save();
}

// interaction serves /interaction/<uid>[/login|/abort]: the login form, its
// submission, cancelling, and the automatic consent.
async function interaction(s, provider, users, req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) {
    send(res, 400, 'text/plain; charset=utf-8', 'interaction does not match its cookie\n');
    return;
  }
  if (action === 'abort') {
    await provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'the user cancelled the sign-in',
    }, { mergeWithLastSubmission: false });
    return;
  }
  if (details.prompt.name === 'consent') {
    const grantId = await grantConsent(provider, details);
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }
  if (action === 'login' && req.method === 'POST') {
    const form = await readForm(req);
    const u = users.byName.get(form.get('login') ?? '');
    const ok = u && crypto.timingSafeEqual(
      crypto.createHash('sha256').update(form.get('password') ?? '').digest(),
      crypto.createHash('sha256').update(u.password).digest(),
    );
    if (!ok) {
      send(res, 401, 'text/html; charset=utf-8', loginPage(s, uid, { loginHint: form.get('login') ?? '', error: 'Wrong username or password.' }));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: u.sub } }, { mergeWithLastSubmission: false });
    return;
  }
  send(res, 200, 'text/html; charset=utf-8', loginPage(s, uid, { loginHint: details.params.login_hint }));
}

// testHook serves /__test/*; it returns false for any other path.
function testHook(s, store, req, res, pathname) {
  if (pathname === '/__test/health') {
    send(res, 200, 'text/plain; charset=utf-8', 'ok\n');
    return true;
  }
  if (pathname === '/__test/revoke-all' && s.testHooks) {
    if (req.method !== 'POST') {
      send(res, 405, 'text/plain; charset=utf-8', 'POST only\n');
      return true;
    }
    const n = store.deleteWhere((model) => SIGN_IN_MODELS.has(model));
    send(res, 200, 'application/json', `${JSON.stringify({ revoked: n })}\n`);
    return true;
  }
  return false;
}

// hoistDescriptor serves the dev stack's organisation descriptor with an
// ETag, so Hoist's connect screen and its background re-fetch work here.
function hoistDescriptor(s, req, res) {
  let body;
  try {
    body = s.descriptorFile ? fs.readFileSync(s.descriptorFile, 'utf8') : undefined;
  } catch (err) {
    body = undefined;
  }
  if (body === undefined) {
    send(res, 404, 'text/plain; charset=utf-8', 'no Hoist descriptor here\n');
    return;
  }
  const etag = `"${crypto.createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, { ETag: etag });
    res.end();
    return;
  }
  res.writeHead(200, {
    'Content-Type': 'application/json',
    ETag: etag,
    'Cache-Control': 'no-cache',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

function main() {
  const s = settings(process.env, process.argv);
  const store = new Store();
  const users = accounts(s.users, s.extraClaims);
  const provider = new Provider(s.issuer, providerConfig(s, store, users));
  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  if (s.pkceMethods) {
    // A test knob: a discovery document that does not offer PKCE S256.
    provider.use(async (ctx, next) => {
      await next();
      if (ctx.path === '/.well-known/openid-configuration' && ctx.body && typeof ctx.body === 'object') {
        delete ctx.body.code_challenge_methods_supported;
        if (s.pkceMethods.length) ctx.body.code_challenge_methods_supported = s.pkceMethods;
      }
    });
  }
  const handle = provider.callback();

  const server = http.createServer((req, res) => {
    const { pathname } = new URL(req.url, s.issuer);
    if (pathname.startsWith('/__test/') && testHook(s, store, req, res, pathname)) return;
    if (pathname === '/.well-known/hoist.json') {
      hoistDescriptor(s, req, res);
      return;
    }
    const m = pathname.match(/^\/interaction\/([\w-]+)(?:\/(login|abort))?$/);
    if (!m) {
      handle(req, res);
      return;
    }
    interaction(s, provider, users, req, res, m[1], m[2]).catch((err) => {
      console.error(`interaction ${pathname}:`, err);
      if (!res.headersSent) {
        send(res, 400, 'text/plain; charset=utf-8', `sign-in failed: ${err.message}\nStart again from the app.\n`);
      }
    });
  });
  server.listen(s.port, '127.0.0.1', () => {
    process.stdout.write(`ready ${s.issuer}\n`);
  });
  server.on('error', (err) => {
    console.error(`listen on 127.0.0.1:${s.port}: ${err.message}`);
    process.exit(1);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
