/** The one clock every module reads (tests replace it through AppOverrides.now). */
export interface Clock {
  now(): Date;
  /** The same instant in epoch ms, for hot paths (no Date allocated). */
  nowMs(): number;
}
