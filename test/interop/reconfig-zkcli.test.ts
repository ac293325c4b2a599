// Method: a 3-member Paddock ensemble of real processes started from zoo.cfg with
// reconfigEnabled=true and a super digest; members 4 and 5 start with a zoo.cfg that names the
// five of them (ZooKeeper's way of joining) and sync without a vote. Apache's zkCli.sh, as the
// super user, grows the ensemble to 5 with `reconfig -add` and shrinks it back with `reconfig
// -remove`, while a Paddock client keeps writing (a bounded loop). Afterwards every acknowledged
// write is read back from each remaining member, `config` shows the configuration zkCli.sh was
// answered with, and the zoo.cfg of a member points at the zoo.cfg.dynamic.<version> it wrote.
// A Curator 5 client connected to member 1 alone before the change follows it: its
// EnsembleTracker reads /zookeeper/config and ends up naming all five members' client ports.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, ZooKeeperError, type ZooKeeperClient } from '../../lib/index.js'
import { digestId } from '../../lib/digest.js'
import { compileProject } from '../integration/helpers/compile.js'
import { host, killAllMembers, ProcessEnsemble, until, type MemberLayout } from '../integration/ensemble/processes-harness.js'
import { zkCliSession, zkCliUnavailableReason } from './harness/zkcli.js'

const missing = zkCliUnavailableReason()
if (missing !== undefined && process.env['CI'] === 'true') throw new Error(`interop: zkCli.sh is required in CI: ${missing}`)

let work: string
let mainJs: string

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'paddock-reconfig-'))
  mainJs = join(await compileProject(join(work, 'build'), []), 'lib/cli/main.js')
}, 90_000)

afterAll(async () => {
  await killAllMembers()
  await rm(work, { recursive: true, force: true })
})

/** A member's server line as zkCli's `reconfig -add` takes it (with its client address). */
function serverLine(m: MemberLayout): string {
  return `server.${m.id}=${host}:${m.quorumPort}:${m.electionPort}:participant;${host}:${m.clientPort}`
}

/** zoo.cfg of member `m` naming `members` only (the first three start alone; 4 and 5 know all five). */
async function writeConfig(m: MemberLayout, members: readonly MemberLayout[]): Promise<void> {
  const lines = [
    'tickTime=200', 'initLimit=10', 'syncLimit=5', `dataDir=${m.dataDir}`, `clientPort=${m.clientPort}`, `clientPortAddress=${host}`,
    '4lw.commands.whitelist=*', 'reconfigEnabled=true', `zookeeper.DigestAuthenticationProvider.superDigest=${digestId('super:secret')}`,
    'maxSessionTimeout=60000',
    ...members.map(serverLine),
  ]
  await writeFile(m.cfg, `${lines.join('\n')}\n`)
}

const curatorJar = '/usr/share/java/curator-framework.jar'
const curatorProgram = fileURLToPath(new URL('java/CuratorEnsemble.java', import.meta.url))

/** A Curator client with its EnsembleTracker, in a JVM of its own (see java/CuratorEnsemble.java). */
function startCurator(connectString: string, wanted: string): { connected: Promise<void>; result: Promise<{ code: number | null; out: string }> } {
  const java = spawn('java', ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-cp', '/usr/share/java/*', curatorProgram, connectString, wanted], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let markConnected: () => void = () => {}
  const connected = new Promise<void>((resolve) => (markConnected = resolve))
  java.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString()
    if (out.includes('CONNECTED ')) markConnected()
  })
  const result = new Promise<{ code: number | null; out: string }>((resolve) => java.on('close', (code) => {
    markConnected()
    resolve({ code, out })
  }))
  const timer = setTimeout(() => java.kill('SIGKILL'), 120_000)
  void result.then(() => clearTimeout(timer))
  return { connected, result }
}

/** Runs zkCli.sh as the super user against `port`; returns its stdout lines. */
async function asSuper(port: number, ...commands: string[]): Promise<string[]> {
  const result = await zkCliSession(`${host}:${port}`, ['addauth digest super:secret', ...commands])
  expect(result.code, result.err).toBe(0)
  return result.lines
}

describe.skipIf(missing !== undefined)('reconfig with Apache zkCli.sh against Paddock processes', () => {
  it('grows 3 to 5 and shrinks back to 3 under writes, losing no acknowledged write', async () => {
    const ensemble = await ProcessEnsemble.create(mainJs, join(work, 'e1'), { voters: 5 })
    const all = ensemble.members
    const first = all.slice(0, 3)
    for (const m of all) await writeConfig(m, m.id <= 3 ? first : all)
    for (const m of first) await ensemble.start(m.id)
    await ensemble.established([1, 2, 3])

    const zk = await connect(first.map((m) => `${host}:${m.clientPort}`).join(','), { sessionTimeoutMs: 20_000 })
    await zk.create('/load', '')
    const acknowledged: string[] = []
    let stop = false
    const writer = (async () => {
      for (let i = 0; i < 5_000 && !stop; i++) {
        try {
          await zk.create(`/load/n${i}`, String(i))
          acknowledged.push(`n${i}`)
        } catch (error) {
          if (!(error instanceof ZooKeeperError)) throw error
        }
      }
    })()

    // Curator on member 1 alone, watching /zookeeper/config through its EnsembleTracker.
    if (!existsSync(curatorJar) && process.env['CI'] === 'true') throw new Error(`interop: ${curatorJar} is required in CI`)
    const curator = existsSync(curatorJar) ? startCurator(`${host}:${first[0]!.clientPort}`, `:${all[4]!.clientPort}`) : undefined
    await curator?.connected

    await ensemble.start(4)
    await ensemble.start(5)
    await until('members 4 and 5 to sync as learners', async () => ((await ensemble.mode(4)) === 'follower' && (await ensemble.mode(5)) === 'follower' ? true : undefined), 30_000)
    const grown = await asSuper(first[0]!.clientPort, `reconfig -add ${serverLine(all[3]!)},${serverLine(all[4]!)}`)
    expect(grown).toContain('Committed new configuration:')
    for (const m of all) expect(grown).toContain(serverLine(m))
    if (curator !== undefined) {
      const tracked = await curator.result
      expect(tracked.code, tracked.out).toBe(0)
      const line = tracked.out.split('\n').find((l) => l.startsWith('TRACKED ')) ?? ''
      for (const m of all) expect(line).toContain(`${host}:${m.clientPort}`)
    }
    const grownVersion = grown.find((line) => line.startsWith('version='))
    expect(grownVersion).toMatch(/^version=[0-9a-f]+$/)
    // Every member, the new ones too, shows the committed configuration.
    for (const m of all) {
      const shown = await until(`member ${m.id} to show ${grownVersion}`, async () => {
        const lines = await asSuper(m.clientPort, 'config')
        return lines.includes(grownVersion!) ? lines : undefined
      }, 20_000, 200)
      expect(shown.filter((line) => line.startsWith('server.'))).toHaveLength(5)
    }

    const shrunk = await asSuper(all[3]!.clientPort, 'reconfig -remove 4,5')
    expect(shrunk).toContain('Committed new configuration:')
    expect(shrunk.filter((line) => line.startsWith('server.'))).toEqual(first.map(serverLine))
    await until('members 4 and 5 to stop serving', async () => ((await ensemble.mode(4)) !== 'follower' && (await ensemble.mode(5)) !== 'follower' ? true : undefined), 20_000)

    stop = true
    await writer
    await zk.close()
    expect(acknowledged.length).toBeGreaterThan(0)
    for (const m of first) {
      const reader: ZooKeeperClient = await connect(`${host}:${m.clientPort}`)
      await reader.sync('/load')
      const children = new Set(await reader.getChildren('/load'))
      const lost = acknowledged.filter((name) => !children.has(name))
      expect(lost, `acknowledged writes missing on member ${m.id}`).toEqual([])
      await reader.close()
    }

    // The member wrote the configuration next to its zoo.cfg, as ZooKeeper does.
    const cfg = await readFile(first[0]!.cfg, 'utf8')
    const pointer = /^dynamicConfigFile=(.*)$/m.exec(cfg)?.[1]
    expect(pointer).toMatch(/zoo\.cfg\.dynamic\.[0-9a-f]+$/)
    expect(cfg).not.toMatch(/^server\./m)
    const dynamic = await readFile(pointer!, 'utf8')
    expect(dynamic.trim().split('\n')).toEqual(first.map(serverLine))
  }, 240_000)

  it('replaces the leader with a new member in one reconfig, writes going on', async () => {
    const ensemble = await ProcessEnsemble.create(mainJs, join(work, 'e2'), { voters: 4 })
    const all = ensemble.members
    const first = all.slice(0, 3)
    for (const m of all) await writeConfig(m, m.id <= 3 ? first : all)
    for (const m of first) await ensemble.start(m.id)
    const leader = await ensemble.established([1, 2, 3])
    const others = first.filter((m) => m.id !== leader)

    const zk = await connect(others.map((m) => `${host}:${m.clientPort}`).join(','), { sessionTimeoutMs: 20_000 })
    await zk.create('/load', '')
    const acknowledged: string[] = []
    let stop = false
    const writer = (async () => {
      for (let i = 0; i < 5_000 && !stop; i++) {
        try {
          await zk.create(`/load/n${i}`, String(i))
          acknowledged.push(`n${i}`)
        } catch (error) {
          if (!(error instanceof ZooKeeperError)) throw error
        }
      }
    })()

    await ensemble.start(4)
    await until('member 4 to sync as a learner', async () => ((await ensemble.mode(4)) === 'follower' ? true : undefined), 30_000)
    const replaced = await asSuper(others[0]!.clientPort, `reconfig -remove ${leader} -add ${serverLine(all[3]!)}`)
    expect(replaced).toContain('Committed new configuration:')
    const remaining = [...others, all[3]!]
    expect(replaced.filter((line) => line.startsWith('server.'))).toEqual(remaining.map(serverLine))
    // The others elect a leader among themselves; the old one stops serving.
    await ensemble.established(remaining.map((m) => m.id))
    expect(await ensemble.mode(leader)).not.toMatch(/leader|follower/)
    const after = acknowledged.length
    await until('a write after the handover', () => (acknowledged.length > after ? true : undefined), 20_000)

    stop = true
    await writer
    await zk.close()
    for (const m of remaining) {
      const reader: ZooKeeperClient = await connect(`${host}:${m.clientPort}`)
      await reader.sync('/load')
      const children = new Set(await reader.getChildren('/load'))
      expect(acknowledged.filter((name) => !children.has(name)), `acknowledged writes missing on member ${m.id}`).toEqual([])
      await reader.close()
    }
  }, 240_000)
})
