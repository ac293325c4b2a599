/**
 * The servers every interop test file runs against: `describe.each(targets)`. Apache ZooKeeper
 * proves the expectations are ZooKeeper's; Paddock must then meet them.
 * `INTEROP_TARGETS=apache` or `=paddock` narrows a local run.
 * @module
 */
import { it } from 'vitest'
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
/** The targets of a run without INTEROP_TARGETS. */
const defaultTargets: readonly Target[] = [apache, paddock]

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

/**
 * Checks Paddock is known to fail today, each reported with what Apache ZooKeeper answers.
 * {@link specFor} runs them as `it.fails` on Paddock: CI stays green while the gap is open and
 * turns red the day Paddock matches, so the entry is removed then.
 */
const knownPaddockDifferences: ReadonlyMap<string, string> = new Map([
  // Deliberate: Paddock follows ZooKeeper 3.9.2+ (ZOOKEEPER-2590, exists needs READ on a node
  // that exists); the Debian server we compare with is 3.8, which answers with the Stat.
  ['exists-ignores-acl', 'exists on a node the caller may not READ answers NOAUTH (3.9.2+); ZooKeeper 3.8 returns the Stat'],
])

/** `it`, or `it.fails` when `difference` is a known Paddock gap and the target is Paddock. */
export function specFor(target: Target, difference: string): typeof it | typeof it.fails {
  if (!knownPaddockDifferences.has(difference)) throw new Error(`unknown difference ${difference}`)
  return target.name === 'paddock' ? it.fails : it
}
