/** What the audit trail tells observers (metrics, later webhooks): one call per committed audit row. */
export interface AuditObservation {
  event: string;
  outcome: 'success' | 'failure';
  data?: Record<string, unknown>;
}

/** Told about every audit row once it has committed. Implemented outside the domain (e.g. src/metrics). */
export interface AuditObserver {
  observeAudit(record: AuditObservation): void;
}
