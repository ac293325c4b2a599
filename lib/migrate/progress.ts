/**
 * Progress of a long migration, reported to an optional callback, and the terminal rendering the
 * `paddock data` commands use: one line rewritten in place with znodes, bytes, rate and ETA.
 * @module
 */

/** Where a migration is. Called often; a callback should be cheap. */
export interface MigrationProgress {
  /** What is being done: `snapshot`, `log`, `write`. */
  readonly phase: string
  /** The file being read or written, if one. */
  readonly file: string | undefined
  /** Znodes read or written so far. */
  readonly znodes: number
  /** Input bytes consumed so far. */
  readonly bytes: number
  /** Input bytes in all, when known (0 when not). */
  readonly bytesTotal: number
}

/** How often the terminal line is redrawn, in ms. */
const redrawIntervalMs = 200

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`
}

/**
 * A progress callback that redraws one line on `stream` (a TTY) at most every 200 ms, with the
 * rate and the ETA from the bytes done; `clear()` wipes the line before the summary is printed.
 */
export function terminalProgress(stream: NodeJS.WriteStream, now: () => number = Date.now): { update: (p: MigrationProgress) => void; clear: () => void } {
  const started = now()
  let drawn = 0
  let shown = false
  return {
    update(p) {
      const at = now()
      if (at - drawn < redrawIntervalMs) return
      drawn = at
      const seconds = Math.max((at - started) / 1000, 0.001)
      const rate = p.bytes / seconds
      const eta = p.bytesTotal > p.bytes && rate > 0 ? ` ETA ${Math.ceil((p.bytesTotal - p.bytes) / rate)}s` : ''
      const total = p.bytesTotal > 0 ? `/${mib(p.bytesTotal)}` : ''
      const line = `${p.phase}${p.file === undefined ? '' : ` ${p.file}`}: ${p.znodes.toLocaleString('en-US')} znodes, ${mib(p.bytes)}${total}, ${Math.round(p.znodes / seconds).toLocaleString('en-US')} znodes/s, ${mib(rate)}/s${eta}`
      stream.write(`\r\x1b[2K${line.slice(0, Math.max(20, (stream.columns ?? 100) - 1))}`)
      shown = true
    },
    clear() {
      if (shown) stream.write('\r\x1b[2K')
      shown = false
    },
  }
}
