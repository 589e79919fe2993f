// A real OpenID Connect provider for the sign-in tests, started by scripts/test on 127.0.0.1:
// oidc-provider (npm, an OpenID Certified implementation) with one confidential client and one
// test user from provider.json. The protocol is the library's own: discovery, the authorization
// code flow with PKCE, state and nonce, ID tokens signed with keys it publishes (JWKS). Written
// here are only its configuration and its login page, which checks the user's password.
//
//   node tests/data/oidc/provider.mjs PORT APP_REDIRECT_URI...
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import Provider from 'oidc-provider';

const here = path.dirname(fileURLToPath(import.meta.url));
const config = JSON.parse(readFileSync(path.join(here, 'provider.json'), 'utf8'));
const port = Number(process.argv[2]);
const redirectUris = process.argv.slice(3);
const issuer = `http://127.0.0.1:${port}`;
const users = new Map(config.users.map((u) => [u.username, u]));

const provider = new Provider(issuer, {
  clients: [{ ...config.client, redirect_uris: redirectUris }],
  cookies: { keys: [config.cookieKey] },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username', 'groups'],
  },
  conformIdTokenClaims: false, // the ID token carries the claims of the scopes asked for
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const user = users.get(id);
    if (!user) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: user.email, email_verified: true, name: user.name,
                 preferred_username: user.username, groups: user.groups };
      },
    };
  },
});
provider.proxy = false;

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(res, uid, error) {
  res.writeHead(error ? 401 : 200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Test provider: sign in</title></head>
<body><main><h1>Test provider: sign in</h1>${error ? `<p role="alert" id="provider-error">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="provider-username">Username</label> <input id="provider-username" name="username" autocomplete="username">
<label for="provider-password">Password</label> <input id="provider-password" name="password" type="password">
<button id="provider-submit" type="submit">Sign in</button></form></main></body></html>`);
}

function formBody(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; if (data.length > 10000) req.destroy(); });
    req.on('end', () => resolve(new URLSearchParams(data)));
    req.on('error', reject);
  });
}

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  const match = new URL(req.url, issuer).pathname.match(/^\/interaction\/([^/]+)(\/login)?$/);
  if (!match) return callback(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      if (req.method !== 'POST' || !match[2]) return loginPage(res, details.uid, '');
      const form = await formBody(req);
      const user = users.get(form.get('username') || '');
      if (!user || user.password !== form.get('password')) {
        console.log(`login refused for ${JSON.stringify(form.get('username'))}`);
        return loginPage(res, details.uid, 'Invalid username or password.');
      }
      return await provider.interactionFinished(req, res, { login: { accountId: user.username } },
                                                { mergeWithLastSubmission: false });
    }
    // consent: cxdash is this provider's own (first-party) client, so what it asks for is granted
    const { prompt: { details: missing }, params, session: { accountId } } = details;
    const grant = details.grantId ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId: params.client_id });
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    return await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  } catch (err) {
    console.error(err);
    res.writeHead(400, { 'Content-Type': 'text/plain' });
    res.end(`interaction failed: ${err.message}`);
  }
});
server.listen(port, '127.0.0.1', () => console.log(`oidc-provider ready: ${issuer}`));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
