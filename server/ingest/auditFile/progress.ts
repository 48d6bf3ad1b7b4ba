/** Where an import stands, as shown while it runs. Times are epoch milliseconds. */
export interface ImportProgressState {
  startedAtMs: number;
  bytesRead: number;
  /** Size of the source (compressed size for gzip files); null when unknown (stdin from a pipe). */
  totalBytes: number | null;
  eventsRead: number;
  /** New events stored; `skipped` of them were noise, kept only as receipts. */
  accepted: number;
  skipped: number;
  duplicates: number;
  rejected: number;
}

const BAR_WIDTH = 24;

/** `1.5 GiB`-style size, binary units. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** `1h02m`, `3m05s`, `12s`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m${String(s).padStart(2, "0")}s`;
  return `${s}s`;
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** One line describing the import's progress, without a line ending. */
export function formatProgress(state: ImportProgressState, nowMs: number): string {
  const elapsedMs = Math.max(0, nowMs - state.startedAtMs);
  const parts: string[] = [];
  if (state.totalBytes !== null && state.totalBytes > 0) {
    const fraction = Math.min(1, state.bytesRead / state.totalBytes);
    const filled = Math.round(fraction * BAR_WIDTH);
    parts.push(`[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`);
    parts.push(`${formatBytes(state.bytesRead)} / ${formatBytes(state.totalBytes)}`);
  } else {
    parts.push(`${formatBytes(state.bytesRead)} read`);
  }
  const rate = elapsedMs > 0 ? (state.eventsRead * 1000) / elapsedMs : 0;
  parts.push(`${formatCount(Math.round(rate))} events/s`);
  parts.push(`accepted ${formatCount(state.accepted)} (${formatCount(state.skipped)} skipped), duplicates ${formatCount(state.duplicates)}, rejected ${formatCount(state.rejected)}`);
  if (state.totalBytes !== null && state.bytesRead > 0 && state.bytesRead < state.totalBytes && elapsedMs >= 1000) {
    parts.push(`ETA ${formatDuration(((state.totalBytes - state.bytesRead) * elapsedMs) / state.bytesRead)}`);
  } else {
    parts.push(`elapsed ${formatDuration(elapsedMs)}`);
  }
  return parts.join("  ");
}

/** The stream progress goes to: stderr, or a stand-in in tests. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressWriter {
  /** Shows `state` if enough time passed since the last time. */
  update(state: ImportProgressState): void;
  /** Shows `state` once more and ends the line, so that what follows starts on its own line. */
  finish(state: ImportProgressState): void;
}

/**
 * Redraws one line in place (`\r`) at most every `ttyIntervalMs` on a terminal; elsewhere
 * (a log file, CI) prints a plain line every `plainIntervalMs`.
 */
export function createProgressWriter(
  stream: ProgressStream,
  options: { now?: () => number; ttyIntervalMs?: number; plainIntervalMs?: number } = {},
): ProgressWriter {
  const now = options.now ?? Date.now;
  const tty = stream.isTTY === true;
  const interval = tty ? (options.ttyIntervalMs ?? 100) : (options.plainIntervalMs ?? 5000);
  let lastShownMs: number | null = null;

  const show = (state: ImportProgressState, at: number) => {
    lastShownMs = at;
    const line = formatProgress(state, at);
    if (!tty) {
      stream.write(`${line}\n`);
      return;
    }
    // Cut to the terminal's width: a wrapped line would not be overwritten by `\r`.
    const width = stream.columns ? stream.columns - 1 : line.length;
    stream.write(`\r${line.slice(0, width)}\x1b[K`);
  };

  return {
    update(state) {
      const at = now();
      // The first plain line waits a full interval: short imports print only their summary.
      if (lastShownMs === null ? tty || at - state.startedAtMs >= interval : at - lastShownMs >= interval) show(state, at);
    },
    finish(state) {
      if (tty) {
        show(state, now());
        stream.write("\n");
      } else if (lastShownMs !== null) {
        show(state, now());
      }
    },
  };
}
