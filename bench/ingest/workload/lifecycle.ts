import type { Json } from "./envelope";

/** The writes one object receives over its life, in order: step 0 creates it. */
export interface ObjectLifecycle {
  readonly steps: number;
  /** The audit event of write `step` (each step is asked for once, in order). */
  write(step: number): Json;
}
