// A real OpenID Connect provider for the sign-in tests: the npm package oidc-provider,
// on a free port of 127.0.0.1, with test users and a plain login form of its own.
//
// Started by tests/oidc_server.py with its settings as JSON in OIDC_TEST_CONFIG:
//   {"users": {"ada": {"email": ..., "email_verified": true, "name": ..., "groups": [...]}},
//    "client_id": ..., "client_secret": ...}
// It prints one JSON line, {"issuer": "http://127.0.0.1:PORT"}, once it listens.
// POST /test/users with a JSON object replaces the users (a group change upstream,
// an account removed upstream).

import http from 'node:http';
import Provider from 'oidc-provider';

const config = JSON.parse(process.env.OIDC_TEST_CONFIG);
let users = config.users;

function page(res, status, body) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html lang="en"><head><title>Test provider</title></head><body><main>${body}</main></body></html>`);
}

function loginForm(uid, message) {
  return `<h1>Test provider login</h1>${message ? `<p role="alert">${message}</p>` : ''}
    <form method="post" action="/interaction/${uid}/login">
      <label for="login">Provider username</label> <input id="login" name="login" autocomplete="off">
      <button type="submit">Continue</button></form>`;
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: config.client_id,
      client_secret: config.client_secret,
      // A native client's loopback redirect URIs match on any port (RFC 8252), so the
      // wiki under test may listen wherever it likes.
      application_type: 'native',
      redirect_uris: ['http://127.0.0.1/-/login/oidc/callback'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    findAccount(ctx, id) {
      if (!users[id]) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...users[id] }; } };
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username', 'groups'],
    },
    conformIdTokenClaims: false, // the scopes' claims go in the ID token itself
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['test-only-cookie-key'] },
    pkce: { required: () => true },
  });
  const handle = provider.callback();

  server.on('request', async (req, res) => {
    try {
      const url = new URL(req.url, issuer);
      const parts = url.pathname.split('/');
      if (req.method === 'POST' && url.pathname === '/test/users') {
        users = JSON.parse(await readBody(req));
        res.writeHead(204).end();
      } else if (parts[1] === 'interaction' && req.method === 'GET') {
        const details = await provider.interactionDetails(req, res);
        page(res, 200, loginForm(details.uid, ''));
      } else if (parts[1] === 'interaction' && parts[3] === 'login' && req.method === 'POST') {
        const details = await provider.interactionDetails(req, res);
        const login = new URLSearchParams(await readBody(req)).get('login') || '';
        if (!users[login]) {
          page(res, 200, loginForm(details.uid, `No user called ${login.replace(/[<&"]/g, '')}.`));
          return;
        }
        const grant = new provider.Grant({ accountId: login, clientId: details.params.client_id });
        grant.addOIDCScope(details.params.scope);
        const grantId = await grant.save();
        await provider.interactionFinished(
          req, res, { login: { accountId: login }, consent: { grantId } },
          { mergeWithLastSubmission: false },
        );
      } else {
        handle(req, res);
      }
    } catch (error) {
      page(res, 500, `<p>${String(error).replace(/[<&]/g, '')}</p>`);
    }
  });
  process.stdout.write(JSON.stringify({ issuer }) + '\n');
});
