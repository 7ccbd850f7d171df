// FHIR R4 `transaction` Bundles, all or nothing (https://hl7.org/fhir/R4/http.html#transaction).
//
// Work is done in three passes so that nothing is written before everything is known to be
// acceptable: (1) resolve every entry's identity (conditional creates and updates are
// searched, new resources get ids, fullUrls map to references); (2) rewrite urn:uuid and
// conditional references and validate every resource; (3) apply the entries in the order
// the specification gives (DELETE, POST, PUT, GET) inside the store's undo journal, so a
// failure in pass 3 still leaves the store exactly as it was.

import { generateId, getStatus, matchesSearchRequest, parseSearchRequest } from '@medplum/core';
import { fail, FhirError } from './outcome.mjs';
import { assertValid } from './validation.mjs';

const ORDER = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3 };
const TYPE_AND_ID = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;
const TYPE_ONLY = /^([A-Z][A-Za-z]+)$/;
const CONDITIONAL = /^([A-Z][A-Za-z]+)\?(.+)$/;

function versionTag(resource) {
  return `W/"${resource.meta.versionId}"`;
}

function responseFor(status, resource) {
  return {
    response: {
      status,
      location: `${resource.resourceType}/${resource.id}/_history/${resource.meta.versionId}`,
      etag: versionTag(resource),
      lastModified: resource.meta.lastUpdated,
    },
    resource,
  };
}

async function searchAll(repo, resourceType, query) {
  const request = parseSearchRequest(`${resourceType}?${query}`);
  request.count = 2;
  request.offset = 0;
  const bundle = await repo.search(request);
  return (bundle.entry ?? []).map((e) => e.resource);
}

function parseEntry(entry, index) {
  const where = `Bundle.entry[${index}]`;
  const method = entry?.request?.method;
  const url = entry?.request?.url;
  if (!method || !url) {
    throw fail(400, 'required', 'Each entry needs request.method and request.url', `${where}.request`);
  }
  if (!(method in ORDER) || method === 'PATCH') {
    throw fail(400, 'not-supported', `Method ${method} is not supported in a transaction`, `${where}.request.method`);
  }
  const plan = { index, where, method, url, entry, resource: entry.resource };
  if (method === 'GET') {
    return plan;
  }
  let match;
  if (method === 'POST' && (match = TYPE_ONLY.exec(url))) {
    plan.resourceType = match[1];
  } else if ((method === 'PUT' || method === 'DELETE') && (match = TYPE_AND_ID.exec(url))) {
    plan.resourceType = match[1];
    plan.id = match[2];
  } else if (method === 'PUT' && (match = CONDITIONAL.exec(url))) {
    plan.resourceType = match[1];
    plan.condition = match[2];
  } else {
    throw fail(400, 'invalid', `Unsupported request URL for ${method}: ${url}`, `${where}.request.url`);
  }
  if (method !== 'DELETE') {
    if (!plan.resource || plan.resource.resourceType !== plan.resourceType) {
      throw fail(400, 'invalid', `Entry resource must be a ${plan.resourceType}`, `${where}.resource`);
    }
    if (plan.id && plan.resource.id && plan.resource.id !== plan.id) {
      throw fail(400, 'invalid', 'Resource id does not match the request URL', `${where}.resource.id`);
    }
  }
  return plan;
}

// Pass 1: which resource does each entry create, update, delete or return?
async function resolveIdentity(repo, plan) {
  if (plan.method === 'GET') {
    return;
  }
  if (plan.method === 'POST') {
    const ifNoneExist = plan.entry.request.ifNoneExist;
    if (ifNoneExist) {
      const matches = await searchAll(repo, plan.resourceType, ifNoneExist);
      if (matches.length > 1) {
        throw fail(412, 'multiple-matches', `ifNoneExist matched several ${plan.resourceType} resources`, `${plan.where}.request.ifNoneExist`);
      }
      if (matches.length === 1) {
        plan.existing = matches[0];
        plan.id = matches[0].id;
        return;
      }
    }
    plan.id = generateId();
    plan.creates = true;
    return;
  }
  if (plan.condition) {
    const matches = await searchAll(repo, plan.resourceType, plan.condition);
    if (matches.length > 1) {
      throw fail(412, 'multiple-matches', `Conditional update matched several ${plan.resourceType} resources`, `${plan.where}.request.url`);
    }
    plan.id = matches.length === 1 ? matches[0].id : generateId();
  }
}

function collectReferences(value, path, out) {
  if (Array.isArray(value)) {
    value.forEach((item, i) => collectReferences(item, `${path}[${i}]`, out));
  } else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'reference' && typeof child === 'string') {
        out.push({ holder: value, path: `${path}.reference` });
      } else {
        collectReferences(child, `${path}.${key}`, out);
      }
    }
  }
}

// Pass 2a: a conditional reference must name exactly one resource, counting both the store
// and the resources this bundle writes (an entry matched by ifNoneExist counts once).
async function resolveConditionalReference(repo, plans, reference, path) {
  const match = CONDITIONAL.exec(reference);
  const [, resourceType, query] = match;
  const found = new Set();
  for (const resource of await searchAll(repo, resourceType, query)) {
    found.add(`${resourceType}/${resource.id}`);
  }
  const request = parseSearchRequest(`${resourceType}?${query}`);
  for (const plan of plans) {
    if (plan.resourceType === resourceType && plan.resource && !plan.existing && plan.method !== 'DELETE') {
      if (matchesSearchRequest({ ...plan.resource, id: plan.id }, request)) {
        found.add(`${resourceType}/${plan.id}`);
      }
    }
  }
  if (found.size === 0) {
    throw fail(400, 'not-found', `Conditional reference ${reference} matches no resource`, path);
  }
  if (found.size > 1) {
    throw fail(412, 'multiple-matches', `Conditional reference ${reference} matches ${found.size} resources`, path);
  }
  return [...found][0];
}

async function rewriteReferences(repo, plans, fullUrls) {
  const conditionalCache = new Map();
  for (const plan of plans) {
    if (!plan.resource || plan.existing) {
      continue;
    }
    plan.resource = structuredClone(plan.resource);
    plan.resource.id = plan.id;
    const refs = [];
    collectReferences(plan.resource, `${plan.where}.resource`, refs);
    for (const { holder, path } of refs) {
      const reference = holder.reference;
      if (reference.startsWith('urn:uuid:') || reference.startsWith('urn:oid:')) {
        const target = fullUrls.get(reference);
        if (!target) {
          throw fail(400, 'not-found', `Reference ${reference} names no entry of this bundle`, path);
        }
        holder.reference = target;
      } else if (CONDITIONAL.test(reference)) {
        if (!conditionalCache.has(reference)) {
          conditionalCache.set(reference, await resolveConditionalReference(repo, plans, reference, path));
        }
        holder.reference = conditionalCache.get(reference);
      }
    }
  }
}

// Pass 3: one entry against the store.
async function applyEntry(repo, router, plan) {
  switch (plan.method) {
    case 'POST': {
      if (plan.existing) {
        return responseFor('200 OK', plan.existing);
      }
      return responseFor('201 Created', await repo.createResource(plan.resource));
    }
    case 'PUT': {
      const exists = repo.current(plan.resourceType, plan.id);
      const ifMatch = /W\/"([^"]+)"/.exec(plan.entry.request.ifMatch ?? '')?.[1];
      if (ifMatch && (!exists || exists.meta.versionId !== ifMatch)) {
        throw fail(412, 'conflict', `Version ${ifMatch} is not the current one`, `${plan.where}.request.ifMatch`);
      }
      const saved = exists ? await repo.updateResource(plan.resource) : await repo.createResource(plan.resource);
      return responseFor(exists ? '200 OK' : '201 Created', saved);
    }
    case 'DELETE': {
      if (repo.current(plan.resourceType, plan.id)) {
        await repo.deleteResource(plan.resourceType, plan.id);
      }
      return { response: { status: '204 No Content' } };
    }
    default: {
      const [result, resource] = await router.handleRequest(
        { method: 'GET', url: plan.url, pathname: '', params: {}, query: {}, body: undefined },
        repo
      );
      if (result.id !== 'ok') {
        throw new FhirError(getStatus(result), result);
      }
      return { response: { status: '200 OK' }, resource };
    }
  }
}

export async function processTransaction(repo, router, bundle) {
  if (bundle?.resourceType !== 'Bundle') {
    throw fail(400, 'invalid', 'The body must be a Bundle');
  }
  if (bundle.type !== 'transaction') {
    throw fail(400, 'not-supported', `Bundle type ${bundle.type} is not supported here; send a transaction`, 'Bundle.type');
  }
  const entries = bundle.entry ?? [];
  if (entries.length === 0) {
    throw fail(400, 'required', 'A transaction needs at least one entry', 'Bundle.entry');
  }

  const plans = entries.map(parseEntry);
  const fullUrls = new Map();
  const seen = new Set();
  for (const plan of plans) {
    await resolveIdentity(repo, plan);
    if (plan.method === 'GET') {
      continue;
    }
    const reference = `${plan.resourceType}/${plan.id}`;
    if (seen.has(reference)) {
      throw fail(400, 'duplicate', `Two entries of the transaction touch ${reference}`, plan.where);
    }
    seen.add(reference);
    const fullUrl = plan.entry.fullUrl;
    if (fullUrl) {
      if (fullUrls.has(fullUrl)) {
        throw fail(400, 'duplicate', `fullUrl ${fullUrl} is used twice`, `${plan.where}.fullUrl`);
      }
      fullUrls.set(fullUrl, reference);
    }
  }

  await rewriteReferences(repo, plans, fullUrls);
  for (const plan of plans) {
    // Even an entry that ifNoneExist resolves to an existing resource must be valid:
    // a client sending an invalid resource has a bug it needs to hear about.
    if (plan.resource) {
      assertValid(plan.existing ? { ...plan.entry.resource } : plan.resource, `${plan.where}.resource`);
    }
  }

  const ordered = [...plans].sort((a, b) => ORDER[a.method] - ORDER[b.method] || a.index - b.index);
  const results = new Array(plans.length);
  await repo.atomically(async () => {
    for (const plan of ordered) {
      results[plan.index] = await applyEntry(repo, router, plan);
    }
  });
  return { resourceType: 'Bundle', type: 'transaction-response', entry: results };
}
