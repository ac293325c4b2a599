// Method: 3 member processes with readonlymode.enabled=true, each in its own network namespace
// (netns-harness.ts), one of them cut off by setting its bridge port down. Observed only through
// probe processes: the isolated member's srvr and a read-only client from inside its namespace.
// It must go read-only, serve that client's reads, refuse its writes with NOTREADONLY, and, healed,
// close the read-only connection, rejoin as a follower and converge with the others.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import { compileProject } from '../helpers/compile.js'
import { Agent, mustRunNetns, netnsUnavailable, NetnsLab, NetnsMember, ports, sweepStaleNamespaces, writeMemberConfig } from './netns-harness.js'
import { electionMsMax, memberStartMsMax, until, type SrvrMode } from './processes-harness.js'

const unavailable = await netnsUnavailable()
if (unavailable !== undefined) {
  if (mustRunNetns()) throw new Error(`network-namespace partition tests cannot run under CI as root: ${unavailable}`)
  console.warn(`netns-read-only.test.ts skipped: ${unavailable}`)
}

const size = 3
const ids = Array.from({ length: size }, (_, i) => i + 1)

describe.skipIf(unavailable !== undefined)('read-only mode of a member cut off by the kernel', () => {
  let work: string
  let lab: NetnsLab
  let hub: Agent
  const inside = new Map<number, Agent>()
  const members = new Map<number, NetnsMember>()

  beforeAll(async () => {
    sweepStaleNamespaces()
    work = await mkdtemp(join(tmpdir(), 'paddock-netns-ro-'))
    const out = await compileProject(join(work, 'build'), ['test/integration/ensemble/netns-agent.ts'])
    const mainJs = join(out, 'lib/cli/main.js')
    const agentJs = join(out, 'test/integration/ensemble/netns-agent.js')
    lab = await NetnsLab.create(size)
    const cfgs = await Promise.all(ids.map((id) => writeMemberConfig(lab, work, id, ['readonlymode.enabled=true'])))
    await Promise.all(ids.map(async (id) => members.set(id, await NetnsMember.start(lab, mainJs, id, cfgs[id - 1]!, memberStartMsMax))))
    hub = await Agent.start(lab, agentJs, lab.hub)
    await Promise.all(ids.map(async (id) => inside.set(id, await Agent.start(lab, agentJs, lab.ns(id)))))
  }, 60_000)

  afterAll(async () => {
    for (const agent of [hub, ...inside.values()]) agent?.stop()
    if (lab !== undefined) {
      await lab.destroy()
      expect(await lab.remaining(), 'namespaces left behind').toEqual([])
    }
    if (work !== undefined) await rm(work, { recursive: true, force: true })
  }, 30_000)

  const mode = (id: number): Promise<SrvrMode> => inside.get(id)!.srvrMode(lab.address(id))
  const connectString = (of: number[]) => of.map((id) => `${lab.address(id)}:${ports.client}`).join(',')

  async function waitForMode(id: number, wanted: SrvrMode): Promise<void> {
    let seen: SrvrMode | undefined
    await until(() => `member ${id} in mode ${wanted} (srvr said ${seen})`, async () => ((seen = await mode(id)) === wanted ? true : undefined), electionMsMax)
  }

  async function leaderOf(of: number[]): Promise<number> {
    return until(`one leader among ${of.join(',')}`, async () => {
      const modes = await Promise.all(of.map(async (id) => [id, await mode(id)] as const))
      const leaders = modes.filter(([, m]) => m === 'leader').map(([id]) => id)
      return leaders.length === 1 && modes.every(([, m]) => m === 'leader' || m === 'follower') ? leaders[0] : undefined
    }, electionMsMax)
  }

  it('serves reads to a read-only client while cut off, refuses its writes, and rejoins once healed', async () => {
    onTestFailed(() => {
      for (const [id, member] of members) console.error(`--- member ${id} (${lab.ns(id)}) output ---\n${member.output.split('\n').slice(-60).join('\n')}`)
    })
    const leader = await leaderOf(ids)
    const cut = ids.find((id) => id !== leader)!
    const writer = await hub.open(connectString(ids.filter((id) => id !== cut)))
    await hub.create(writer, '/ro', 'before the cut')

    await lab.isolate(cut)
    // Without a quorum it first stops serving, then, after max(2000 ms, tickTime), serves read-only.
    await waitForMode(cut, 'read-only')
    const reader = await inside.get(cut)!.open(connectString([cut]), { canBeReadOnly: true })
    expect(await inside.get(cut)!.read(reader, '/ro')).toBe('before the cut')
    await expect(inside.get(cut)!.create(reader, '/ro/child', 'x')).rejects.toThrow('NOTREADONLY')
    // The majority goes on meanwhile.
    await hub.create(writer, '/ro/during', 'while cut off')

    await lab.heal(cut)
    await waitForMode(cut, 'follower')
    // Rejoining, it closed the read-only connection: the client moves on to a read-write session.
    await until('the read-only connection to be closed', async () => ((await inside.get(cut)!.disconnects(reader)) > 0 ? true : undefined), electionMsMax)
    const again = await hub.open(connectString([cut]))
    expect((await hub.contents(again, '/ro')).get('during')).toBe('while cut off')
    await hub.close(again)
    await hub.close(writer)
    await inside.get(cut)!.close(reader).catch(() => undefined)
  }, 90_000)
})
