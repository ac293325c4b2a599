// Method: 3 member processes, each in its own network namespace on a veth to a bridge in a hub namespace, partitioned by setting a bridge port down; observed only via probe processes inside those namespaces.
//
// The test process stays in the root namespace and never gets a link there: everything it asks a
// member (srvr, client sessions) goes through a probe agent (netns-agent.ts) run with `ip netns
// exec`, in the hub (clients crossing the bridge, as remote clients would) or in a member's own
// namespace (its srvr, reachable even while its bridge port is down). Addresses are
// 10.213.<random>.0/24, which exist only inside the namespaces created here, so no traffic leaves them.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import { compileProject } from '../helpers/compile.js'
import { Agent, mustRunNetns, netnsUnavailable, NetnsLab, NetnsMember, ports, sweepStaleNamespaces, writeMemberConfig } from './netns-harness.js'
import { electionMsMax, memberStartMsMax, until, type SrvrMode } from './processes-harness.js'

const unavailable = await netnsUnavailable()
if (unavailable !== undefined) {
  // CI runs as root on machines that allow namespaces: there, a skip would hide a broken setup.
  if (mustRunNetns()) throw new Error(`network-namespace partition tests cannot run under CI as root: ${unavailable}`)
  console.warn(`netns.test.ts skipped: ${unavailable}`)
}

const size = 3
const ids = Array.from({ length: size }, (_, i) => i + 1)

describe.skipIf(unavailable !== undefined)('ensemble of processes in network namespaces: partitions by the kernel', () => {
  let work: string
  let lab: NetnsLab
  let hub: Agent
  const inside = new Map<number, Agent>()
  const members = new Map<number, NetnsMember>()

  beforeAll(async () => {
    sweepStaleNamespaces()
    work = await mkdtemp(join(tmpdir(), 'paddock-netns-'))
    const out = await compileProject(join(work, 'build'), ['test/integration/ensemble/netns-agent.ts'])
    const mainJs = join(out, 'lib/cli/main.js')
    const agentJs = join(out, 'test/integration/ensemble/netns-agent.js')
    lab = await NetnsLab.create(size)
    const cfgs = await Promise.all(ids.map((id) => writeMemberConfig(lab, work, id)))
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

  // A failed test must not leave a member cut off for the next one.
  afterEach(async () => {
    if (lab !== undefined) for (const id of ids) await lab.heal(id)
  })

  /** Member `id`'s srvr, asked from inside its own namespace (so a partition does not hide it). */
  const mode = (id: number): Promise<SrvrMode> => inside.get(id)!.srvrMode(lab.address(id))
  const modes = async (of: number[]) => new Map(await Promise.all(of.map(async (id) => [id, await mode(id)] as const)))
  const connectString = (of: number[]) => of.map((id) => `${lab.address(id)}:${ports.client}`).join(',')

  /** Waits until the members `of` all serve with exactly one leader among them; returns its id. */
  async function established(of: number[]): Promise<number> {
    let seen = ''
    return until(() => `one leader among members ${of.join(',')} (srvr said ${seen})`, async () => {
      const now = await modes(of)
      seen = [...now].map(([id, m]) => `${id}: ${m}`).join(', ')
      const leaders = [...now].filter(([, m]) => m === 'leader').map(([id]) => id)
      return leaders.length === 1 && [...now.values()].every((m) => m === 'leader' || m === 'follower') ? leaders[0] : undefined
    }, electionMsMax)
  }

  async function waitForMode(id: number, wanted: SrvrMode): Promise<void> {
    let seen: SrvrMode | undefined
    await until(() => `member ${id} in mode ${wanted} (srvr said ${seen})`, async () => ((seen = await mode(id)) === wanted ? true : undefined), electionMsMax)
  }

  /** What member `id` holds under `path` after a sync, read over the bridge from the hub. */
  async function contentsOn(id: number, path: string): Promise<Map<string, string>> {
    const session = await hub.open(connectString([id]))
    try {
      return await hub.contents(session, path)
    } finally {
      await hub.close(session)
    }
  }

  /**
   * Creates prefix0..prefix<count-1> through `session`. A create whose connection was lost (its
   * member stopped serving, or the connection died in the partition) may or may not have been
   * applied, so it is retried, and NODEEXISTS on a retry means the first attempt was.
   */
  async function writeMany(session: number, prefix: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const path = `${prefix}${i}`
      const deadline = Date.now() + electionMsMax
      for (let attempt = 0; ; attempt++) {
        const code = await hub.create(session, path, path).then(
          () => 'OK',
          (error: unknown) => (error instanceof Error ? error.message : String(error)),
        )
        if (code === 'OK' || (code === 'NODEEXISTS' && attempt > 0)) break
        if (code !== 'CONNECTIONLOSS' || Date.now() > deadline) throw new Error(`create ${path} (attempt ${attempt + 1}): ${code}`)
      }
    }
  }

  /** Heals `id` and waits until all members serve under one leader and hold the same data under `path`. */
  async function healAndConverge(id: number, path: string, expectedSize: number): Promise<number> {
    await lab.heal(id)
    const leader = await established(ids)
    const expected = await contentsOn(leader, path)
    expect(expected.size).toBe(expectedSize)
    for (const other of ids) expect(await contentsOn(other, path), `member ${other}`).toEqual(expected)
    // Everyone applied the same transactions: one zxid all round.
    const zxids = await Promise.all(ids.map((other) => inside.get(other)!.srvrZxid(lab.address(other))))
    expect(new Set(zxids).size, `zxids ${zxids.join(', ')}`).toBe(1)
    return leader
  }

  function explainFailures(): void {
    onTestFailed(() => {
      for (const [id, member] of members) console.error(`--- member ${id} (${lab.ns(id)}) output ---\n${member.output.split('\n').slice(-60).join('\n')}`)
    })
  }

  it('isolating the leader: it stops serving, the other two elect a leader and take writes; healed, it rejoins as a follower and converges', async () => {
    explainFailures()
    const oldLeader = await established(ids)
    const majority = ids.filter((id) => id !== oldLeader)
    const writer = await hub.open(connectString(majority))
    await hub.create(writer, '/leader-cut')
    await writeMany(writer, '/leader-cut/before-', 10)
    // A client of the old leader, from inside its namespace: it must see its connection closed.
    const local = await inside.get(oldLeader)!.open(connectString([oldLeader]))

    await lab.isolate(oldLeader)
    await waitForMode(oldLeader, 'not serving')
    await until('the isolated leader to close its client connection', async () => ((await inside.get(oldLeader)!.disconnects(local)) > 0 ? true : undefined), electionMsMax)
    const newLeader = await established(majority)
    expect(majority).toContain(newLeader)
    await writeMany(writer, '/leader-cut/during-', 20)
    expect(await mode(oldLeader), 'the isolated member while the majority writes').toBe('not serving')

    const leader = await healAndConverge(oldLeader, '/leader-cut', 30)
    expect(leader, 'the majority\'s leader stays leader').toBe(newLeader)
    expect(await mode(oldLeader)).toBe('follower')
    // It takes part again: a write through it is committed and read everywhere.
    const through = await hub.open(connectString([oldLeader]))
    await hub.create(through, '/leader-cut/after', 'through the old leader')
    await hub.close(through)
    for (const id of ids) expect((await contentsOn(id, '/leader-cut')).get('after'), `member ${id}`).toBe('through the old leader')
    await hub.close(writer)
    await inside.get(oldLeader)!.close(local).catch(() => undefined)
  }, 60_000)

  it('isolating a follower: it stops serving while the leader and the other follower go on; healed, it converges', async () => {
    explainFailures()
    const leader = await established(ids)
    const follower = ids.find((id) => id !== leader)!
    const majority = ids.filter((id) => id !== follower)
    const writer = await hub.open(connectString(majority))
    await hub.create(writer, '/follower-cut')

    await lab.isolate(follower)
    await waitForMode(follower, 'not serving')
    expect(await modes(majority)).toEqual(new Map(majority.map((id) => [id, id === leader ? 'leader' : 'follower'])))
    await writeMany(writer, '/follower-cut/during-', 20)

    expect(await healAndConverge(follower, '/follower-cut', 20), 'the leader never changed').toBe(leader)
    await hub.close(writer)
  }, 60_000)
})
