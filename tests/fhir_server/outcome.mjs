// OperationOutcome responses and the error that carries one with its HTTP status.

export class FhirError extends Error {
  constructor(status, outcome) {
    super(outcome.issue?.[0]?.details?.text ?? `HTTP ${status}`);
    this.status = status;
    this.outcome = outcome;
  }
}

export function outcome(code, text, expression, severity = 'error') {
  const issue = { severity, code, details: { text } };
  if (expression) {
    issue.expression = Array.isArray(expression) ? expression : [expression];
  }
  return { resourceType: 'OperationOutcome', issue: [issue] };
}

export function fail(status, code, text, expression) {
  return new FhirError(status, outcome(code, text, expression));
}
