import { Gauge, type Registry } from 'prom-client';

export interface RuntimeGaugeSources {
  /** Password hashes running or queued. */
  passwordHashesInFlight(): number;
  /** 1 while revocation checks are answered from the local copy, 0 while each asks the store. */
  revocationsLocal(): number;
}

/** Gauges read at scrape time: a login storm and a lost pub/sub subscription show here first. */
export function registerRuntimeGauges(registry: Registry, sources: RuntimeGaugeSources): void {
  new Gauge({
    name: 'warden_password_hashes_in_flight',
    help: 'Password hashes running in the worker pool or waiting for a worker',
    registers: [registry],
    collect() {
      this.set(sources.passwordHashesInFlight());
    },
  });
  new Gauge({
    name: 'warden_revocations_local',
    help: '1 while access-token revocation checks are answered locally (pub/sub current), 0 while each asks the store',
    registers: [registry],
    collect() {
      this.set(sources.revocationsLocal());
    },
  });
}
