/**
 * What the benchmark must undo however it ends (normally, on an error, on Ctrl-C): stop the
 * server, drop the databases. Steps run last-added first, each once, and a failing step
 * does not keep the others from running. A step added while cleaning up (a database whose
 * creation was under way at Ctrl-C) runs at once.
 */
interface Step {
  label: string;
  run: () => Promise<void>;
}

export class Cleanup {
  private readonly steps: Step[] = [];
  private readonly late: Array<Promise<void>> = [];
  private running: Promise<void> | null = null;

  add(label: string, run: () => Promise<void>): void {
    if (this.running) this.late.push(runStep({ label, run }));
    else this.steps.push({ label, run });
  }

  /** True once cleaning up has begun: the run should stop making things. */
  get stopping(): boolean {
    return this.running !== null;
  }

  /** Throws when cleaning up has begun; call before making something that needs undoing. */
  checkNotStopping(): void {
    if (this.stopping) throw new InterruptedError();
  }

  async runAll(): Promise<void> {
    this.running ??= (async () => {
      for (const step of [...this.steps].reverse()) await runStep(step);
    })();
    await this.running;
    await Promise.all(this.late);
  }

  /** On SIGINT/SIGTERM: clean up, then exit as a process killed by that signal would. */
  onSignals(): void {
    for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
      process.once(signal, () => {
        console.error(`\n${signal}: stopping the server and dropping the databases…`);
        void this.runAll().finally(() => process.exit(code));
      });
    }
  }
}

export class InterruptedError extends Error {
  constructor() {
    super("interrupted");
    this.name = "InterruptedError";
  }
}

async function runStep(step: Step): Promise<void> {
  try {
    await step.run();
  } catch (error) {
    console.error(`cleanup: ${step.label} failed: ${(error as Error).message}`);
  }
}
