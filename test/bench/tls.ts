// Method: the throughput cost of TLS on the client port: the wire bench's pipelined client drives a
// Paddock server in memory over plain text and one over TLS (a TLS-only port, ssl.clientAuth=need,
// EC P-256 certificates openssl makes for the run, TLSv1.3), each spawned fresh per run and the
// runs alternating between them, so background load hits both alike; medians of the runs.
import { readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { makeCertificates } from '../integration/tls/certs.js'
import { ratio, summarize, type Summary } from './report.js'
import type { BenchTls } from './servers.js'
import { measureServer, type ServerRun, type WireBenchOptions, type WireOp } from './wire.js'
import type { LoadResult } from './wire-client.js'

/** One op at one in-flight level, plain text and TLS. */
export interface TlsRow {
  op: WireOp
  inFlight: number
  plain: { opsPerSec: Summary; p50Ms: Summary; p99Ms: Summary; errors: number }
  tls: { opsPerSec: Summary; p50Ms: Summary; p99Ms: Summary; errors: number }
  /** TLS / plain of the median ops/s (below 1: TLS costs throughput). */
  opsRatio: number
  /** TLS / plain of the median p50 latency. */
  p50Ratio: number
}

/** What {@link benchTls} measured. */
export interface TlsBenchResult {
  options: WireBenchOptions
  rows: TlsRow[]
  /** Spawn to the first create's reply, ms (TLS: handshake included). */
  startupMs: { plain: Summary; tls: Summary }
  raw: { plain: ServerRun[]; tls: ServerRun[] }
}

function side(runs: ServerRun[], key: string): TlsRow['plain'] {
  const phases = runs.map((r) => r.phases[key]).filter((p): p is LoadResult => p !== undefined)
  return {
    opsPerSec: summarize(phases.map((p) => p.opsPerSec)),
    p50Ms: summarize(phases.map((p) => p.p50Ms)),
    p99Ms: summarize(phases.map((p) => p.p99Ms)),
    errors: phases.reduce((sum, p) => sum + p.errors, 0),
  }
}

/** Runs `options.runs` fresh plain and TLS Paddock servers (in memory) through the wire phases. */
export async function benchTls(options: WireBenchOptions, log: (line: string) => void = () => undefined): Promise<TlsBenchResult> {
  const certs = await makeCertificates()
  const tls: BenchTls = {
    keyStore: certs.server.keyStore,
    trustStore: certs.ca,
    client: { ca: readFileSync(certs.ca), key: readFileSync(certs.alice.key), cert: readFileSync(certs.alice.cert) },
  }
  const raw: TlsBenchResult['raw'] = { plain: [], tls: [] }
  try {
    for (let run = 0; run < options.runs; run++) {
      for (const variant of ['plain', 'tls'] as const) {
        const result = await measureServer('paddock', options, run, variant === 'tls' ? tls : undefined)
        raw[variant].push(result)
        log(`  run ${run + 1}/${options.runs} ${variant}: ` +
          options.inFlights.flatMap((f) => options.ops.map((op) => `${op}@${f} ${Math.round(result.phases[`${op}@${f}`]?.opsPerSec ?? Number.NaN)}/s`)).join(', '))
      }
    }
  } finally {
    await rm(certs.dir, { recursive: true, force: true })
  }
  const rows: TlsRow[] = []
  for (const inFlight of options.inFlights) {
    for (const op of options.ops) {
      const key = `${op}@${inFlight}`
      const plain = side(raw.plain, key)
      const secure = side(raw.tls, key)
      rows.push({ op, inFlight, plain, tls: secure, opsRatio: ratio(secure.opsPerSec.median, plain.opsPerSec.median), p50Ratio: ratio(secure.p50Ms.median, plain.p50Ms.median) })
    }
  }
  return { options, rows, startupMs: { plain: summarize(raw.plain.map((r) => r.startupMs)), tls: summarize(raw.tls.map((r) => r.startupMs)) }, raw }
}
