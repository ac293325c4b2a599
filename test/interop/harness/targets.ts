/**
 * The servers every interop test file runs against: `describe.each(targets)`. Apache ZooKeeper
 * proves the expectations are ZooKeeper's; Paddock must then meet them.
 * `INTEROP_TARGETS=apache` or `=paddock` narrows a local run.
 * @module
 */
import { apacheUnavailableReason, startApacheZooKeeper } from './apache.js'
import { startPaddock } from './paddock.js'
import type { RunningServer, ServerSettings } from './types.js'

export type { RunningServer, ServerSettings } from './types.js'

/** One server implementation under test. */
export interface Target {
  readonly name: 'apache' | 'paddock'
  start(settings: ServerSettings): Promise<RunningServer>
}

/**
 * Settings shared by every file: a short tick so sessions expire in about a second, and a
 * container sweep fast enough to watch.
 */
export const defaultSettings: ServerSettings = {
  tickTimeMs: 200,
  minSessionTimeoutMs: 400,
  maxSessionTimeoutMs: 10_000,
  containerCheckIntervalMs: 500,
}

const apache: Target = {
  name: 'apache',
  start: (settings) => startApacheZooKeeper({ ...settings, extendedTypesEnabled: true, fourLetterWords: '*' }),
}

const paddock: Target = { name: 'paddock', start: startPaddock }

const allTargets: readonly Target[] = [apache, paddock]
/** The targets of a run without INTEROP_TARGETS. Paddock joins once createServer serves TCP (issue 3). */
const defaultTargets: readonly Target[] = [apache]

function selectTargets(): Target[] {
  const wanted = process.env['INTEROP_TARGETS']?.split(',').map((name) => name.trim())
  const selected = wanted === undefined ? [...defaultTargets] : allTargets.filter((target) => wanted.includes(target.name))
  const reason = apacheUnavailableReason()
  if (reason === undefined || !selected.includes(apache)) return selected
  // In CI a missing ZooKeeper must fail the run; the Apache target stays and its start() throws.
  if (process.env['CI'] === 'true') return selected
  console.warn(`interop: skipping the Apache ZooKeeper target: ${reason}`)
  return selected.filter((target) => target !== apache)
}

/** The targets of this run. */
export const targets: readonly Target[] = selectTargets()

/** Timeout of the hooks that start and stop a server (a JVM start on a loaded 2-core machine). */
export const hookTimeoutMs = 60_000
