// The resource store: medplum's MemoryRepository plus an identifier index and an undo journal.
//
// MemoryRepository scans every resource of a type on each search and never rolls back, so a
// transaction that fails half way would leave its first entries behind. This subclass keeps
// (type, system, value) -> ids maps up to date on every write, answers identifier searches
// from them, and records the previous state of each touched resource so a failed
// transaction can be put back exactly as it was.

import { getExtraEntries, MemoryRepository } from '@medplum/fhir-router';
import { matchesSearchRequest, Operator } from '@medplum/core';

const SEP = '\u0000';

function identifierKeys(resource) {
  const keys = [];
  // Most resources have a list of identifiers; a few (Composition, Bundle) have one.
  const identifiers = [resource.identifier ?? []].flat();
  for (const identifier of identifiers) {
    const system = identifier.system ?? '';
    const value = identifier.value ?? '';
    // Three keys so `system|value`, `value` alone and `system|` are each one map look-up.
    keys.push(`sv${SEP}${resource.resourceType}${SEP}${system}${SEP}${value}`);
    keys.push(`v${SEP}${resource.resourceType}${SEP}${value}`);
    keys.push(`s${SEP}${resource.resourceType}${SEP}${system}`);
  }
  return keys;
}

function tokenKey(resourceType, token) {
  const bar = token.indexOf('|');
  if (bar < 0) {
    return `v${SEP}${resourceType}${SEP}${token}`;
  }
  const system = token.slice(0, bar);
  const value = token.slice(bar + 1);
  if (value === '') {
    return `s${SEP}${resourceType}${SEP}${system}`;
  }
  return `sv${SEP}${resourceType}${SEP}${system}${SEP}${value}`;
}

export class IndexedRepository extends MemoryRepository {
  constructor() {
    super();
    this.index = new Map(); // key -> Set of ids
    this.journal = undefined; // array of undo records while a transaction runs
  }

  current(resourceType, id) {
    return this.resources.get(resourceType)?.get(id);
  }

  // Called before every change to (type, id): remembers how to put it back.
  remember(resourceType, id) {
    if (!this.journal) {
      return;
    }
    const previous = this.current(resourceType, id);
    const history = this.history.get(resourceType)?.get(id);
    this.journal.push({ resourceType, id, previous, historyLength: history ? history.length : 0 });
  }

  unindex(resource) {
    for (const key of identifierKeys(resource)) {
      const ids = this.index.get(key);
      ids?.delete(resource.id);
      if (ids?.size === 0) {
        this.index.delete(key);
      }
    }
  }

  reindex(resource) {
    for (const key of identifierKeys(resource)) {
      let ids = this.index.get(key);
      if (!ids) {
        ids = new Set();
        this.index.set(key, ids);
      }
      ids.add(resource.id);
    }
  }

  async createResource(resource, options, update = false) {
    if (resource.id) {
      this.remember(resource.resourceType, resource.id);
      const old = this.current(resource.resourceType, resource.id);
      if (old && update) {
        this.unindex(old);
      }
    }
    const result = await super.createResource(resource, options, update);
    if (!resource.id) {
      // The id was generated inside; record it as newly created.
      this.journal?.push({ resourceType: result.resourceType, id: result.id, previous: undefined, historyLength: 0 });
    }
    this.reindex(result);
    return result;
  }

  async deleteResource(resourceType, id, options) {
    const old = this.current(resourceType, id);
    this.remember(resourceType, id);
    await super.deleteResource(resourceType, id, options);
    if (old) {
      this.unindex(old);
    }
  }

  async expungeResources(resourceType, ids) {
    for (const id of ids) {
      const old = this.current(resourceType, id);
      this.remember(resourceType, id);
      if (old) {
        this.unindex(old);
      }
    }
    await super.expungeResources(resourceType, ids);
  }

  clear() {
    super.clear();
    this.index.clear();
  }

  // Runs `callback` so that, if it throws, every change it made is undone (newest first).
  async atomically(callback) {
    if (this.journal) {
      throw new Error('nested transactions are not supported');
    }
    this.journal = [];
    try {
      const result = await callback();
      this.journal = undefined;
      return result;
    } catch (err) {
      const journal = this.journal;
      this.journal = undefined;
      for (const record of journal.reverse()) {
        this.restore(record);
      }
      throw err;
    }
  }

  restore({ resourceType, id, previous, historyLength }) {
    const now = this.current(resourceType, id);
    if (now) {
      this.unindex(now);
    }
    let resources = this.resources.get(resourceType);
    if (!resources) {
      resources = new Map();
      this.resources.set(resourceType, resources);
    }
    if (previous) {
      resources.set(id, previous);
      this.reindex(previous);
    } else {
      resources.delete(id);
    }
    const typeHistory = this.history.get(resourceType);
    const history = typeHistory?.get(id);
    if (history) {
      if (historyLength === 0) {
        typeHistory.delete(id);
      } else {
        history.length = historyLength;
      }
    }
  }

  // Identifier searches are answered from the index; every other search is medplum's scan.
  async search(searchRequest) {
    const filters = searchRequest.filters ?? [];
    const byIdentifier = filters.filter(
      (f) => f.code === 'identifier' && (f.operator === Operator.EQUALS || f.operator === undefined)
    );
    if (byIdentifier.length === 0 || searchRequest.sortRules?.length) {
      // Sorting needs medplum's comparator, which is private to its scan: rare for identifiers.
      return super.search(searchRequest);
    }
    let candidates;
    for (const filter of byIdentifier) {
      const ids = new Set();
      for (const token of String(filter.value).split(',')) {
        for (const id of this.index.get(tokenKey(searchRequest.resourceType, token)) ?? []) {
          ids.add(id);
        }
      }
      candidates = candidates ? new Set([...candidates].filter((id) => ids.has(id))) : ids;
    }
    const matched = [];
    for (const id of candidates) {
      const resource = this.current(searchRequest.resourceType, id);
      if (resource && matchesSearchRequest(resource, searchRequest)) {
        matched.push(resource);
      }
    }
    let page = matched;
    if (searchRequest.offset !== undefined) {
      page = page.slice(searchRequest.offset);
    }
    if (searchRequest.count !== undefined) {
      page = page.slice(0, searchRequest.count);
    }
    const entry = page.map((resource) => ({ search: { mode: 'match' }, resource: structuredClone(resource) }));
    if ((searchRequest.include || searchRequest.revInclude) && entry.length) {
      await getExtraEntries(this, searchRequest, entry.map((e) => e.resource), entry);
    }
    return { resourceType: 'Bundle', type: 'searchset', entry: entry.length ? entry : undefined, total: matched.length };
  }
}
