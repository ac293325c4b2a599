/**
 * Dynamic reconfiguration at the composition root: the planner prep asks (`server.N` lines in,
 * the new configuration out), the member addresses the peer transport dials, and the files
 * ZooKeeper writes when a configuration becomes active (`zoo.cfg.dynamic.<version>`, and zoo.cfg
 * pointed at it).
 * @module
 */
import { randomBytes } from 'node:crypto'
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { dynamicConfigText, plannedServers, serversOfText } from '../config/dynamic-config.js'
import type { ServerSpec } from '../config/zoo-cfg.js'
import type { PeerAddress } from '../peer/transport.js'
import type { PlannedConfig, ReconfigPlanner } from '../server/reconfig.js'

/** The ZAB core's view of a set of servers: voters, observers and the text. */
export function plannedConfigOf(servers: readonly ServerSpec[]): PlannedConfig {
  const sorted = [...servers].sort((a, b) => a.id - b.id)
  return {
    text: dynamicConfigText(sorted),
    voters: sorted.filter((s) => s.role === 'participant').map((s) => s.id),
    observers: sorted.filter((s) => s.role === 'observer').map((s) => s.id),
  }
}

/** Plans reconfigs from `server.N` lines, with ZooKeeper's incremental and non-incremental rules. */
export const reconfigPlanner: ReconfigPlanner = {
  plan(current, request) {
    let servers: ServerSpec[]
    try {
      servers = serversOfText(current)
    } catch (error) {
      return { error: `the current configuration does not read: ${(error as Error).message}` }
    }
    const next = plannedServers(servers, request)
    return 'error' in next ? next : plannedConfigOf(next)
  },
}

/** The addresses the peer transport dials, from `server.N` specifications. */
export function peerAddressesOf(servers: readonly ServerSpec[]): Map<number, PeerAddress> {
  return new Map(servers.map((s) => [s.id, { host: s.host, quorumPort: s.quorumPort, electionPort: s.electionPort, ...(s.addresses === undefined ? {} : { addresses: s.addresses }) }]))
}

/** The name of a configuration's dynamic file next to zoo.cfg (ZooKeeper: `makeDynamicConfigFilename`). */
export function dynamicConfigFileName(zooCfgPath: string, version: number): string {
  return `${resolve(zooCfgPath)}.dynamic.${version.toString(16)}`
}

// Keys ZooKeeper's editStaticConfig takes out of zoo.cfg: the dynamic part moves to its own file.
const dynamicKeys = /^\s*(server\.|group\.|weight\.|dynamicConfigFile\b|peerType\b)/

/**
 * Writes a configuration that became active as ZooKeeper does (`QuorumPeer.setQuorumVerifier`
 * with writeToDisk): `zoo.cfg.dynamic.<version>` with its server lines, sorted, without a version
 * line, then zoo.cfg without its server, group, weight and dynamicConfigFile lines and with
 * `dynamicConfigFile=` naming the new file. Each file is written whole and renamed into place.
 * Returns the dynamic file's path.
 */
export async function writeDynamicConfig(zooCfgPath: string, version: number, text: string): Promise<string> {
  const dynamicFile = dynamicConfigFileName(zooCfgPath, version)
  const lines = text.split('\n').filter((line) => line.trim() !== '').sort()
  await writeAtomically(dynamicFile, `${lines.join('\n')}\n`)
  const zooCfg = await readFile(zooCfgPath, 'utf8')
  const kept = zooCfg.split(/\r?\n/).filter((line) => !dynamicKeys.test(line))
  while (kept.length > 0 && kept[kept.length - 1]?.trim() === '') kept.pop()
  await writeAtomically(zooCfgPath, `${[...kept, `dynamicConfigFile=${dynamicFile}`].join('\n')}\n`)
  return dynamicFile
}

async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`
  try {
    await writeFile(temporary, content, { flag: 'wx' })
    await rename(temporary, path)
  } catch (error) {
    await rm(temporary, { force: true })
    throw error
  }
}
