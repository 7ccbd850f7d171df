// A FHIR R4 server for VTelehealth's tests, standing in for the national health record platform.
//
//   node --experimental-websocket server.mjs --port 8090
//
// Environment: FHIR_PORT (when --port is not given), FHIR_CLIENT_ID, FHIR_CLIENT_SECRET
// (the one OAuth2 client allowed), FHIR_TOKEN_TTL_SECONDS (access token lifetime).
// Data lives in memory and is gone when the process stops. It listens on 127.0.0.1 only.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { FhirRouter } from '@medplum/fhir-router';
import { getStatus } from '@medplum/core';
import { fail, FhirError, outcome } from './outcome.mjs';
import { IndexedRepository } from './store.mjs';
import { processTransaction } from './transaction.mjs';
import { loadDefinitions } from './validation.mjs';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const MAX_BODY_BYTES = 20 * 1024 * 1024;

function option(name) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const port = Number(option('port') ?? process.env.FHIR_PORT ?? 8090);
const clientId = process.env.FHIR_CLIENT_ID ?? 'vtelehealth-test';
const clientSecret = process.env.FHIR_CLIENT_SECRET ?? 'vtelehealth-test-secret';
const tokenTtlSeconds = Number(process.env.FHIR_TOKEN_TTL_SECONDS ?? 300);

loadDefinitions();
const repo = new IndexedRepository();
const router = new FhirRouter();
const tokens = new Map(); // access token -> expiry (ms since epoch)

// One request at a time: the store's undo journal assumes no other write interleaves with a
// transaction, and medplum's repository awaits between steps.
let queue = Promise.resolve();
function serialized(work) {
  const run = queue.then(work, work);
  queue = run.catch(() => undefined);
  return run;
}

function sameSecret(given, expected) {
  const a = Buffer.from(given ?? '', 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function send(res, status, body, headers = {}) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': FHIR_JSON, ...headers });
  res.end(text);
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      throw fail(413, 'too-costly', 'Request body too large');
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    throw fail(400, 'structure', 'The body is not valid JSON');
  }
}

// RFC 6749 §4.4 client credentials, with client_secret_basic (§2.3.1) or client_secret_post.
function issueToken(req, res, body) {
  const form = new URLSearchParams(body);
  let id = form.get('client_id');
  let secret = form.get('client_secret');
  const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
    secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
  }
  if (form.get('grant_type') !== 'client_credentials') {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'unsupported_grant_type' }));
    return;
  }
  if (!sameSecret(id, clientId) || !sameSecret(secret, clientSecret)) {
    res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="fhir"' });
    res.end(JSON.stringify({ error: 'invalid_client' }));
    return;
  }
  const token = randomBytes(24).toString('base64url');
  tokens.set(token, Date.now() + tokenTtlSeconds * 1000);
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(
    JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: tokenTtlSeconds, scope: form.get('scope') ?? 'system/*.*' })
  );
}

function authorised(req) {
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  const expiry = bearer ? tokens.get(bearer[1]) : undefined;
  return expiry !== undefined && expiry > Date.now();
}

function capabilityStatement() {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['json'],
    implementation: { description: 'VTelehealth test FHIR server (medplum MemoryRepository)' },
    rest: [
      {
        mode: 'server',
        security: {
          service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }],
          extension: [
            {
              url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
              extension: [{ url: 'token', valueUri: `http://127.0.0.1:${port}/oauth2/token` }],
            },
          ],
        },
        interaction: [{ code: 'transaction' }],
        resource: [],
      },
    ],
  };
}

function respond(res, [result, resource]) {
  const status = getStatus(result);
  return send(res, status, status < 300 ? resource : result);
}

// A single-resource write is run as a one-entry transaction: same validation, same
// conditional create, same reference handling.
async function writeOne(method, url, headers, body) {
  const entry = { request: { method, url } };
  if (body !== undefined) {
    entry.resource = body;
  }
  if (headers['if-none-exist']) {
    entry.request.ifNoneExist = headers['if-none-exist'];
  }
  if (headers['if-match']) {
    entry.request.ifMatch = headers['if-match'];
  }
  const result = await processTransaction(repo, router, { resourceType: 'Bundle', type: 'transaction', entry: [entry] });
  const { response, resource } = result.entry[0];
  const status = Number(response.status.slice(0, 3));
  const extra = response.location ? { location: response.location, etag: response.etag } : {};
  return [status, resource, extra];
}

async function handle(req, res) {
  const url = new URL(req.url, `http://127.0.0.1:${port}`);
  const path = url.pathname.replace(/\/+$/, '');
  const body = req.method === 'GET' || req.method === 'DELETE' ? '' : await readBody(req);

  if (req.method === 'GET' && path === '/metadata') {
    return send(res, 200, capabilityStatement());
  }
  if (req.method === 'POST' && path === '/oauth2/token') {
    return issueToken(req, res, body);
  }
  if (!authorised(req)) {
    return send(res, 401, outcome('login', 'A valid bearer token is required'), {
      'www-authenticate': 'Bearer error="invalid_token"',
    });
  }

  const relative = path.replace(/^\//, '') + url.search;
  return serialized(async () => {
    if (req.method === 'POST' && path === '') {
      return send(res, 200, await processTransaction(repo, router, parseJson(body)));
    }
    if (req.method === 'POST' && path.endsWith('/_search')) {
      // Search by POST keeps identifiers (patient data) out of URLs and access logs.
      const query = {};
      for (const [key, value] of new URLSearchParams(body)) {
        query[key] = key in query ? [query[key], value].flat() : value;
      }
      return respond(res, await router.handleRequest(
        { method: 'POST', url: relative, pathname: '', params: {}, query: {}, body: query, headers: req.headers },
        repo
      ));
    }
    if (req.method === 'POST' || req.method === 'PUT' || req.method === 'DELETE') {
      const resource = req.method === 'DELETE' ? undefined : parseJson(body);
      const [status, saved, headers] = await writeOne(req.method, decodeURIComponent(relative), req.headers, resource);
      return send(res, status === 204 ? 200 : status, saved ?? outcome('informational', 'Deleted', undefined, 'information'), headers);
    }
    if (req.method === 'GET') {
      return respond(res, await router.handleRequest(
        { method: 'GET', url: relative, pathname: '', params: {}, query: {}, body: undefined, headers: req.headers },
        repo
      ));
    }
    throw fail(405, 'not-supported', `Method ${req.method} is not supported`);
  });
}

const server = createServer((req, res) => {
  handle(req, res).catch((err) => {
    if (err instanceof FhirError) {
      return send(res, err.status, err.outcome);
    }
    console.error(err);
    return send(res, 500, outcome('exception', String(err?.message ?? err)));
  });
});

server.listen(port, '127.0.0.1', () => {
  console.log(`FHIR test server listening on http://127.0.0.1:${server.address().port}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections(); // idle keep-alive sockets would otherwise hold close() open
  });
}
