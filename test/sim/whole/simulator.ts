/**
 * The whole-system simulation: N production members (`startMember`: pipeline, prep, tree, sessions,
 * ZAB core, replication runtime, storage code and recovery) in one process, on one seeded PRNG and
 * one virtual clock. Only the clock, the member-to-member network and the disk under the storage
 * layer are simulated (./world.ts, ./network.ts, ./disk.ts), behind interfaces production uses.
 * Simulated clients (./client.ts) drive sessions through the members while faults are injected:
 * crashes that lose unsynced writes, partitions (also one-way and of the leader), broken
 * connections, full disks, frozen clients whose sessions expire, and session moves. After the
 * faults heal, the run must converge and make progress, and the checks of ./checks.ts must hold.
 * @module
 */
import { startMember, type MemberServer } from '../../../lib/index.js'
import type { ServerSpec } from '../../../lib/config/zoo-cfg.js'
import { dynamicConfigText, serversOfText } from '../../../lib/config/dynamic-config.js'
import type { Request } from '../../../lib/protocol/requests.js'
import type { RunningMember } from '../../../lib/host/running-member.js'
import { planted, type PlantedBug } from '../../../lib/planted-bugs.js'
import { createMemoryStorage } from '../../../storage/index.js'
import { Prng } from '../../../lib/testing/sim/prng.js'
import { checkFinalState, checkMonotonicSessions, checkReadValues, checkReads, checkUniqueResults, checkWatchEvents, checkWriteOrder, LeaderLog, treeDigest, type FinalNode } from './checks.js'
import { SimClient, type ClientWorld, type Delivered, type Op } from './client.js'
import { checkLinearizable } from './linearizability.js'
import { SimDisk } from '../../../lib/testing/sim/disk.js'
import { SimNetwork } from '../../../lib/testing/sim/network.js'
import { countImmediates, ProcessClock, SimWorld } from '../../../lib/testing/sim/world.js'
import { memberBackupSource } from '../../../lib/host/member-backup.js'
import { decodeBackup, restoredEpoch, ZkBackup } from '../../../lib/migrate/backup.js'
import { makeZxid } from '../../../lib/protocol/zxid.js'

/** What one run is made of. */
export interface WholeOptions {
  /** Voting members. @defaultValue 3 */
  members?: 3 | 5
  /** Observers besides the voters. @defaultValue 1 for one seed in three, else 0 */
  observers?: number
  /** Keep a trace of the run. */
  trace?: boolean
  /** Simulated ms of faults and load before everything heals. @defaultValue 12000 */
  faultMs?: number
  /** A bug to plant in the runtime for this run (lib/planted-bugs.ts): the checks must catch it. */
  bug?: PlantedBug
  /**
   * Also reconfigure while the faults go on: every second or two the leader is asked to turn a
   * member from participant to observer or back (reconfig -members), on a PRNG of its own so the
   * rest of the seed's choices stay as without it. The members must end on one configuration.
   */
  reconfig?: boolean
  /**
   * Also back up and restore while the faults go on: every second or three a backup is taken
   * from a live member (the admin `snapshot` code), or one taken earlier is restored through the
   * leader (the admin `restore` code for an ensemble), on a PRNG of its own. The client-history
   * checks then cover what clients saw before the first restore committed; the members must still
   * agree, lose no committed restore, and all end on the newest one.
   */
  restore?: boolean
}

/** The result of one seed. */
export interface WholeOutcome {
  seed: number
  ok: boolean
  error?: string
  trace: string[]
  /** Writes acknowledged, and requests sent in all. */
  acked: number
  requests: number
  /** Faults injected, by kind. */
  faults: Record<string, number>
  /** Simulated ms the run covered. */
  simulatedMs: number
  /** Every client request and its outcome, for a closer look at a failure. */
  history: readonly Op[]
}

const tickTimeMs = 100
const sessionTimeoutMs = 1_200
/** After the faults heal: simulated time allowed to elect, sync and commit a write. */
const livenessMs = 20_000
const keys = ['/k0', '/k1', '/k2', '/k3']

interface Incarnation {
  server: MemberServer
  clock: ProcessClock
}

/** One run of one seed. */
class Run {
  readonly prng: Prng
  readonly world = new SimWorld()
  readonly net: SimNetwork
  readonly disks = new Map<number, SimDisk>()
  readonly live = new Map<number, Incarnation>()
  readonly starting = new Set<number>()
  readonly servers: ServerSpec[]
  readonly clients: SimClient[] = []
  readonly history: Op[] = []
  readonly events: Delivered[] = []
  seq = 0
  readonly trace: string[] = []
  readonly leaders = new LeaderLog()
  readonly faults: Record<string, number> = {}
  readonly endedSessions = new Set<bigint>()
  /** Members whose disk the simulation damaged since they last started clean. */
  readonly corrupted = new Set<number>()
  /** Members that refused their damaged disk and wait for a new one. */
  readonly refused = new Set<number>()
  failure: string | undefined
  private written = 0
  /** Transactions between snapshots: often in some runs, rarely in others (a long log to replay). */
  readonly snapCount: number
  /** Backups taken by the restore workload. */
  readonly backups: { readonly zxid: number; readonly bytes: Uint8Array }[] = []
  /** Restore entries committed somewhere, by zxid, with the zxid their backup installs at. */
  readonly restores = new Map<number, number>()
  /** Restore entries whose leader reported them committed (the admin's 200). */
  readonly restoresAcked: number[] = []
  /** Where, in the order of what clients sent and received, the first restore entry committed anywhere (client-history checks stop there). */
  firstRestoreSeq: number | undefined

  constructor(
    readonly seed: number,
    readonly options: WholeOptions,
  ) {
    this.prng = new Prng(seed)
    const n = options.members ?? 3
    // One seed in three adds an observer (it serves clients, replicates, and never votes).
    const observers = options.observers ?? (seed % 3 === 0 ? 1 : 0)
    // Reconfig checks that no two members share an address, so then each gets ports of its own.
    const port = (base: number, id: number) => (options.reconfig === true ? base + id : 0)
    this.servers = Array.from({ length: n + observers }, (_, i) => ({
      id: i + 1, host: 'sim', quorumPort: port(10_000, i + 1), electionPort: port(20_000, i + 1), role: i < n ? ('participant' as const) : ('observer' as const), clientAddress: undefined, clientPort: undefined,
    }))
    // A network faster than the disks, as in one datacenter: a round trip is shorter than an fsync.
    this.net = new SimNetwork(this.world.clock, this.prng.fork(), { min: 1, max: 4 }, (line) => this.log(line))
    // Disks as fast as an SSD's fsync in most runs, as slow as a spinning disk's in one in three.
    const diskMs = this.prng.chance(1 / 3) ? { min: 8, max: 40 } : { min: 2, max: 12 }
    for (const s of this.servers) this.disks.set(s.id, new SimDisk(this.world.clock, this.prng.fork(), diskMs))
    this.snapCount = this.prng.pick([40, 400, 4_000])
  }

  log(line: string): void {
    if (this.options.trace === true) this.trace.push(`${String(this.world.clock.now()).padStart(6)} ${line}`)
  }

  fault(kind: string, line: string): void {
    this.faults[kind] = (this.faults[kind] ?? 0) + 1
    this.log(`FAULT ${line}`)
  }

  // ---- members -------------------------------------------------------------------------------

  start(id: number): void {
    if (this.live.has(id) || this.starting.has(id) || this.refused.has(id)) return
    this.starting.add(id)
    const clock = new ProcessClock(this.world.clock)
    const disk = this.disks.get(id)!
    const quiet = { debug() {}, info() {}, warn() {} }
    const run = (work: () => void) => clock.run(work)
    this.net.runners.set(id, run)
    startMember({
      myid: id,
      servers: this.servers,
      storage: createMemoryStorage({ db: disk.open(run), logger: quiet }),
      hub: this.net,
      clock,
      seed: this.prng.int(1, 2 ** 30),
      tickTimeMs,
      initLimit: 5,
      syncLimit: 2,
      snapCount: this.snapCount,
      containerCheckIntervalMs: 500,
      ...(this.options.reconfig === true ? { reconfigEnabled: true } : {}),
      logger: {
        info: (line) => {
          this.log(`m${id}: ${line}`)
          if (this.options.restore === true) this.sawRestoreCommit(id, line)
        },
        error: (line) => this.log(`m${id} ERROR: ${line}`),
      },
    }).then(
      (server) => {
        this.starting.delete(id)
        this.live.set(id, { server, clock })
        this.log(`m${id}: started`)
      },
      (error: unknown) => {
        this.starting.delete(id)
        // Damage the simulation made is found and refused, as it must be: the operator replaces
        // the disk and the member resyncs from the others. Anything else is a finding.
        if (this.corrupted.has(id) && /corrupt|missing|no usable snapshot/i.test(String(error))) return void this.replaceDisk(id, String(error))
        // A process that cannot open its full disk exits with the error; its supervisor starts it again.
        if (/No space left on device/.test(String(error))) {
          this.log(`m${id}: could not start (${String(error)}); its supervisor starts it again in 500 ms`)
          return void this.world.clock.setTimer(500, () => this.start(id))
        }
        this.failure ??= `member ${id} failed to start: ${String(error)}`
      },
    )
  }

  /**
   * Member `id` refused its damaged disk. The operator replaces it, but only once the faults are
   * over and the others have a leader: a member that comes back empty has forgotten its promises
   * (accepted epoch, acknowledged proposals), so while elections still happen it could help a
   * stale quorum win and lose committed writes — in ZooKeeper as here. Until then it stays down.
   */
  replaceDisk(id: number, why: string): void {
    this.log(`m${id}: refused its damaged disk (${why}); it stays down until the operator replaces the disk`)
    this.refused.add(id)
  }

  /** Power cut: timers stop, connections break, writes in flight are partly lost. */
  async crash(id: number): Promise<void> {
    const incarnation = this.live.get(id)
    if (incarnation === undefined) return
    this.live.delete(id)
    incarnation.clock.kill()
    this.net.member(id)?.die()
    for (const client of this.clients) if (client.member === id) client.disconnect(`member ${id} crashed`)
    await this.disks.get(id)!.crash()
  }

  pipeline(id: number) {
    return (this.live.get(id)?.server as RunningMember | undefined)?.member
  }

  // ---- clients -------------------------------------------------------------------------------

  clientWorld(): ClientWorld {
    return {
      now: () => this.world.clock.now(),
      after: (ms, callback) => void this.world.clock.setTimer(ms, callback),
      pipeline: (id) => this.pipeline(id),
      run: (id, work) => this.live.get(id)?.clock.run(work),
      candidates: () => {
        const ids = this.servers.map((s) => s.id)
        for (let i = ids.length - 1; i > 0; i--) {
          const j = this.prng.int(0, i)
          ;[ids[i], ids[j]] = [ids[j]!, ids[i]!]
        }
        return ids
      },
      log: (line) => this.log(line),
      history: this.history,
      events: this.events,
      order: () => ++this.seq,
    }
  }

  nextData(client: SimClient): Uint8Array {
    return new TextEncoder().encode(`c${client.id}#${++this.written}`)
  }

  /** One request of the workload from `client`. */
  workload(client: SimClient): void {
    if (client.state !== 'connected' || client.pending >= 3) return
    const p = this.prng
    const key = p.pick(keys)
    const roll = p.int(0, 99)
    let request: Request
    if (roll < 20) request = { op: 'create', path: key, data: this.nextData(client), acl: openAcl, mode: 0 }
    else if (roll < 28) request = { op: 'create', path: `/e${client.id}-${p.int(0, 3)}`, data: this.nextData(client), acl: openAcl, mode: 1 }
    else if (roll < 34) request = { op: 'create', path: '/seq/s-', data: this.nextData(client), acl: openAcl, mode: 2 }
    else if (roll < 52) request = { op: 'setData', path: key, data: this.nextData(client), version: -1 }
    else if (roll < 60) request = { op: 'delete', path: key, version: -1 }
    else if (roll < 63) request = this.extendedCreate(client)
    else if (roll < 66) request = { op: 'multi', ops: [{ op: 'create', path: key, data: this.nextData(client), acl: openAcl, mode: 0 }, { op: 'setData', path: '/seq', data: this.nextData(client), version: -1 }] }
    else if (roll < 74) {
      client.send({ op: 'sync', path: key })
      request = { op: 'getData', path: key, watch: false }
    } else request = { op: 'getData', path: key, watch: p.chance(0.3) }
    client.send(request)
  }

  /** Containers (and their children) and TTL nodes: nodes the member itself removes. */
  extendedCreate(client: SimClient): Request {
    const p = this.prng
    const roll = p.int(0, 5)
    const container = `/c${p.int(0, 1)}`
    if (roll === 0) return { op: 'create', path: container, data: this.nextData(client), acl: openAcl, mode: 4 }
    if (roll === 1) return { op: 'create', path: `${container}/x${p.int(0, 2)}`, data: this.nextData(client), acl: openAcl, mode: 0 }
    if (roll === 2) return { op: 'delete', path: `${container}/x${p.int(0, 2)}`, version: -1 }
    return { op: 'create', path: `/t${p.int(0, 2)}`, data: this.nextData(client), acl: openAcl, mode: p.chance(0.8) ? 5 : 6, ttlMs: p.int(200, 2_000) }
  }

  scheduleWorkload(client: SimClient, until: number): void {
    const loop = (): void => {
      if (this.world.clock.now() >= until) return
      this.workload(client)
      this.world.clock.setTimer(this.prng.int(5, 120), loop)
    }
    this.world.clock.setTimer(this.prng.int(0, 50), loop)
  }

  // ---- faults --------------------------------------------------------------------------------

  scheduleFaults(until: number): void {
    const next = (): void => {
      const now = this.world.clock.now()
      if (now >= until) return
      this.injectFault(until).catch((error: unknown) => {
        this.failure ??= `the simulation failed to inject a fault: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`
      })
      this.world.clock.setTimer(this.prng.int(300, 2_500), next)
    }
    this.world.clock.setTimer(this.prng.int(500, 1_500), next)
  }

  /**
   * The reconfig workload: the leader turns one member from participant to observer or back,
   * keeping two participants at least, on a PRNG of its own (so the seed's other choices are
   * those of a run without it). Refusals (no leader, a change in flight, no synced quorum) are
   * part of the game; each request and its outcome go to the trace.
   */
  scheduleReconfigs(until: number): void {
    const p = new Prng((this.seed * 2_654_435_761) % 2 ** 31 ^ 0x5eed)
    const next = (): void => {
      if (this.world.clock.now() >= until) return
      this.world.clock.setTimer(p.int(700, 2_500), next)
      const leader = this.leaderId()
      if (leader === undefined) return
      const server = this.live.get(leader)!.server
      const active = server.status().config.active
      const servers = serversOfText(active.text)
      const participants = servers.filter((s) => s.role === 'participant')
      const target = p.pick(servers)
      if (target.role === 'participant' && participants.length <= 2) return
      const changed = servers.map((s) => (s.id === target.id ? { ...s, role: s.role === 'participant' ? ('observer' as const) : ('participant' as const) } : s))
      const members = dynamicConfigText(changed).trim().split('\n')
      this.faults['reconfig'] = (this.faults['reconfig'] ?? 0) + 1
      this.log(`RECONFIG m${leader}: member ${target.id} becomes ${target.role === 'participant' ? 'an observer' : 'a participant'}`)
      server.reconfig({ members }).then(
        (result) => this.log(`RECONFIG committed version ${/version=([0-9a-f]+)/.exec(new TextDecoder().decode(result.data))?.[1] ?? '?'}`),
        (error: unknown) => this.log(`RECONFIG refused: ${error instanceof Error ? error.message : String(error)}`),
      )
    }
    this.world.clock.setTimer(p.int(500, 1_500), next)
  }

  /**
   * The restore workload (see {@link WholeOptions.restore}): backups through the admin `snapshot`
   * code (a capture of one member's tree, written in ZooKeeper's format), restores through the
   * leader as the admin `restore` command does it on an ensemble.
   */
  scheduleRestores(until: number): void {
    const p = new Prng(((this.seed * 2_246_822_519) % 2 ** 31) ^ 0x7e57)
    const next = (): void => {
      if (this.world.clock.now() >= until) return
      this.world.clock.setTimer(p.int(1_000, 3_000), next)
      if (this.backups.length === 0 || p.chance(0.4)) return this.takeBackup(p)
      const leader = this.leaderId()
      if (leader === undefined) return
      const backup = p.pick(this.backups)
      this.faults['restore'] = (this.faults['restore'] ?? 0) + 1
      this.log(`RESTORE m${leader}: the backup of 0x${backup.zxid.toString(16)}`)
      const running = this.live.get(leader)!.server as RunningMember
      running.core.replication.proposeRestore(backup.bytes).then(
        (zxid) => {
          this.restoresAcked.push(zxid)
          this.log(`RESTORE committed at 0x${zxid.toString(16)}`)
        },
        (error: unknown) => this.log(`RESTORE refused: ${error instanceof Error ? error.message : String(error)}`),
      )
    }
    this.world.clock.setTimer(p.int(500, 1_500), next)
  }

  takeBackup(p: Prng): void {
    const serving = [...this.live].filter(([, m]) => m.server.health.state === 'serving').map(([id]) => id)
    if (serving.length === 0) return
    const id = p.pick(serving)
    const running = this.live.get(id)!.server as RunningMember
    const { capture, sessions } = memberBackupSource(running, backupSettings).capture()
    try {
      const backup = new ZkBackup(capture, sessions)
      while (!backup.plan());
      this.backups.push({ zxid: backup.zxid, bytes: concatBytes([...backup.parts()]) })
      this.log(`BACKUP m${id} at 0x${backup.zxid.toString(16)}`)
    } finally {
      capture.release()
    }
  }

  /**
   * Notes member `id`'s report that a restore entry committed there (lib/server/replication.ts
   * logs it as it stops), with the zxid its backup installs at.
   */
  sawRestoreCommit(id: number, line: string): void {
    const match = /^restore entry (0x[0-9a-f]+) committed/.exec(line)
    if (match === null) return
    const zxid = Number(match[1])
    this.firstRestoreSeq ??= this.seq
    const applied = (this.live.get(id)?.server as RunningMember | undefined)?.core.replication.restoreApplied
    if (this.restores.has(zxid) || applied?.zxid !== zxid) return
    this.restores.set(zxid, makeZxid(restoredEpoch(zxid, decodeBackup(applied.backup, 'the restore entry')), 0))
  }

  leaderId(): number | undefined {
    for (const [id, m] of this.live) {
      const s = m.server.status()
      if (s.role.toLowerCase().startsWith('lead') && s.established) return id
    }
    return undefined
  }

  async injectFault(until: number): Promise<void> {
    const p = this.prng
    const ids = this.servers.map((s) => s.id)
    const later = (ms: number, what: () => void) => void this.world.clock.setTimer(Math.min(ms, Math.max(0, until - this.world.clock.now())), what)
    switch (p.int(0, 12)) {
      case 12: {
        // A slow or lossy link between two members (a loss breaks the connection, as on TCP).
        const a = p.pick(ids)
        const b = p.pick(ids.filter((i) => i !== a))
        const slow = p.chance(0.5)
        if (slow) this.net.delay(a, b, p.int(20, 400))
        else this.net.drop(a, b, p.int(5, 40) / 100)
        this.fault(slow ? 'slow-link' : 'lossy-link', `${slow ? 'slow' : 'lossy'} link ${a} -> ${b}`)
        later(p.int(500, 3_000), () => {
          this.log(`FAULT link ${a} -> ${b} normal`)
          this.net.delay(a, b, 0)
          this.net.drop(a, b, 0)
        })
        return
      }
      case 11: {
        // A bad sector on one member's disk, found when it restarts (it is down meanwhile).
        const id = p.pick(ids)
        const disk = this.disks.get(id)!
        if (this.corrupted.size > 0) return
        this.corrupted.add(id)
        await this.crash(id)
        const key = await disk.corrupt()
        this.fault('corrupt', `member ${id} crashed with a damaged record ${key ?? '(disk empty)'}`)
        later(p.int(100, 1_500), () => {
          this.log(`FAULT restart member ${id}`)
          this.start(id)
        })
        return
      }
      case 10: {
        // A stop-the-world pause (GC, SIGSTOP) longer than syncLimit: the others move on.
        const id = p.pick(ids)
        const member = this.live.get(id)
        if (member === undefined) return
        const ms = p.int(300, 3_000)
        this.fault('pause', `member ${id} pauses for ${ms} ms`)
        member.clock.pause(ms)
        return
      }
      case 9: {
        // Power fails for several members at once (a rack, a datacenter): writes in flight on
        // every one of them are lost together.
        const victims = p.chance(0.5) ? ids : ids.filter(() => p.chance(0.6))
        if (victims.length < 2 || victims.some((id) => !this.live.has(id))) return
        const restartAfter = p.int(100, 2_000)
        const strike = async (): Promise<void> => {
          if (this.world.clock.now() >= until || victims.some((id) => !this.live.has(id))) return
          this.fault('crash-many', `power fails for members ${victims.join(', ')}`)
          for (const id of victims) await this.crash(id)
          later(restartAfter, () => {
            this.log(`FAULT restart members ${victims.join(', ')}`)
            for (const id of victims) this.start(id)
          })
        }
        // Half the time the power goes while the first victim writes: a few ms into that write,
        // when the others may have acknowledged it and the client may have its answer.
        const during = p.int(2, 10)
        if (p.chance(0.5)) return void this.disks.get(victims[0]!)!.whenWriting(() => void this.world.clock.setTimer(during, () => void strike()))
        await strike()
        return
      }
      case 0:
      case 1: {
        const id = p.pick(ids)
        if (!this.live.has(id)) return
        this.fault('crash', `crash member ${id}`)
        await this.crash(id)
        later(p.int(100, 3_000), () => {
          this.log(`FAULT restart member ${id}`)
          this.start(id)
        })
        return
      }
      case 2: {
        const shuffled = this.clientWorld().candidates()
        const cut = p.int(1, ids.length - 1)
        const groups = [shuffled.slice(0, cut), shuffled.slice(cut)]
        this.fault('partition', `partition ${JSON.stringify(groups)}`)
        this.net.partition(groups)
        later(p.int(500, 4_000), () => {
          this.log('FAULT heal')
          this.net.heal()
        })
        return
      }
      case 3: {
        const leader = this.leaderId()
        if (leader === undefined) return
        this.fault('isolate-leader', `isolate leader ${leader}`)
        this.net.partition([[leader], ids.filter((i) => i !== leader)])
        later(p.int(500, 4_000), () => {
          this.log('FAULT heal')
          this.net.heal()
        })
        return
      }
      case 4: {
        const a = p.pick(ids)
        const b = p.pick(ids.filter((i) => i !== a))
        this.fault('one-way', `block ${a} -> ${b}`)
        this.net.blockOneWay(a, b)
        later(p.int(500, 3_000), () => {
          this.log('FAULT heal')
          this.net.heal()
        })
        return
      }
      case 5: {
        const a = p.pick(ids)
        const b = p.pick(ids.filter((i) => i !== a))
        this.fault('break', `break ${a}<->${b}`)
        this.net.breakConnection(a, b, p.chance(0.5) ? 'quorum' : 'election')
        return
      }
      case 6: {
        const id = p.pick(ids)
        const disk = this.disks.get(id)!
        this.fault('disk-full', `disk of member ${id} full`)
        disk.full = true
        later(p.int(200, 2_000), () => {
          this.log(`FAULT disk of member ${id} has room`)
          disk.full = false
        })
        return
      }
      case 7: {
        const client = p.pick(this.clients)
        this.fault('client-move', `client ${client.id} reconnects elsewhere`)
        client.disconnect('moving')
        return
      }
      default: {
        const client = p.pick(this.clients)
        if (client.state !== 'connected') return
        this.fault('client-close', `client ${client.id} closes its session`)
        this.endedSessions.add(client.sessionId)
        client.send({ op: 'closeSession' })
        return
      }
    }
  }

  // ---- the run ---------------------------------------------------------------------------------

  afterStep(): void {
    for (const [id, m] of this.live) {
      const s = m.server.status()
      // Only an established leader speaks for its epoch: a prospective one may never get there.
      if (s.role.toLowerCase().startsWith('lead') && s.established) {
        this.leaders.historyOf(s.currentEpoch, s.lastLoggedZxid)
        this.leaders.saw(id, s.currentEpoch)
      }
      if (m.server.health.state !== 'failed') continue
      if (this.corrupted.has(id)) {
        void this.crash(id).then(() => this.replaceDisk(id, m.server.health.reason ?? 'failed'))
        continue
      }
      this.failure ??= `member ${id} failed: ${m.server.health.reason}`
    }
  }

  async execute(): Promise<void> {
    const faultMs = this.options.faultMs ?? 12_000
    for (const s of this.servers) this.start(s.id)
    const world = this.clientWorld()
    for (let i = 1; i <= 4; i++) this.clients.push(new SimClient(i, world, sessionTimeoutMs))
    await this.runUntil(3_000, () => this.leaderId() !== undefined)
    if (this.leaderId() === undefined) return void (this.failure ??= 'no leader elected in 3 s from a clean start')
    await this.setUp()
    for (const client of this.clients) {
      client.connect()
      this.scheduleWorkload(client, this.world.clock.now() + faultMs)
    }
    this.scheduleFaults(this.world.clock.now() + faultMs)
    if (this.options.reconfig === true) this.scheduleReconfigs(this.world.clock.now() + faultMs)
    if (this.options.restore === true) this.scheduleRestores(this.world.clock.now() + faultMs)
    await this.runUntil(this.world.clock.now() + faultMs)
    await this.healAll()
  }

  async runUntil(endMs: number, stop: () => boolean = () => false): Promise<void> {
    await this.world.settle()
    while (this.world.clock.now() < endMs && !stop() && this.failure === undefined) {
      const next = this.world.clock.nextDueAt()
      const at = next === undefined || next > endMs ? endMs : Math.max(next, this.world.clock.now())
      this.world.clock.advance(at - this.world.clock.now())
      await this.world.settle()
      this.afterStep()
    }
  }

  /** A setup client creates /seq, the parent of the sequential nodes. */
  async setUp(): Promise<void> {
    const setup = new SimClient(0, this.clientWorld(), sessionTimeoutMs)
    setup.connect()
    await this.runUntil(this.world.clock.now() + 2_000, () => setup.state === 'connected')
    const op = setup.send({ op: 'create', path: '/seq', data: new Uint8Array(0), acl: openAcl, mode: 0 })
    await this.runUntil(this.world.clock.now() + 2_000, () => op?.outcome !== 'pending')
  }

  /** Every fault heals and every member runs: a write must commit and the members converge. */
  async healAll(): Promise<void> {
    this.log('HEAL everything')
    this.net.heal()
    this.net.clearFaults()
    for (const disk of this.disks.values()) disk.full = false
    for (const s of this.servers) this.start(s.id)
    if (this.refused.size > 0) {
      // The others first: the empty members join an established leader and get its snapshot.
      await this.runUntil(this.world.clock.now() + livenessMs, () => this.leaderId() !== undefined && this.live.size + this.refused.size === this.servers.length)
      for (const id of this.refused) {
        this.log(`m${id}: the operator replaces its disk`)
        this.faults['disk-replaced'] = (this.faults['disk-replaced'] ?? 0) + 1
        this.refused.delete(id)
        this.corrupted.delete(id)
        await this.disks.get(id)!.wipe()
        this.start(id)
      }
    }
    let probe = new SimClient(99, this.clientWorld(), sessionTimeoutMs)
    probe.connect()
    const deadline = this.world.clock.now() + livenessMs
    let write: Op | undefined
    const done = () => {
      // A probe whose session expired while the ensemble recovered starts a new one.
      if (probe.state === 'expired') {
        probe = new SimClient(99, this.clientWorld(), sessionTimeoutMs)
        probe.connect()
        write = undefined
      }
      if (this.live.size < this.servers.length || probe.state !== 'connected') return false
      write ??= probe.send({ op: 'setData', path: '/seq', version: -1, data: new TextEncoder().encode('alive') })
      if (write?.outcome === 'unknown') write = undefined
      return write?.outcome === 'ok' && this.converged()
    }
    await this.runUntil(deadline, done)
    if (this.failure !== undefined) return
    if (!done()) this.failure = `no progress within ${livenessMs} ms after healing: ${this.describeMembers()}`
  }

  converged(): boolean {
    const zxids = [...this.live.values()].map((m) => (m.server as RunningMember).member.lastProcessedZxid)
    const versions = [...this.live.values()].map((m) => m.server.status().config.active.version)
    return zxids.every((z) => z === zxids[0]) && versions.every((v) => v === versions[0])
  }

  describeMembers(): string {
    return [...this.live].map(([id, m]) => `m${id} ${m.server.mode} zxid 0x${(m.server as RunningMember).member.lastProcessedZxid.toString(16)} ${m.server.health.state}`).join(', ') + `; live ${this.live.size}/${this.servers.length}`
  }

  check(): string | undefined {
    if (this.failure !== undefined) return this.failure
    if (this.net.errors.length > 0) return this.net.errors[0]
    if (this.leaders.violation !== undefined) return this.leaders.violation
    const lost = this.leaders.checkDurable(this.history) ?? this.checkRestores()
    if (lost !== undefined) return lost
    const shown = (c: { version: number; voters: readonly number[]; observers: readonly number[] } | undefined) => (c === undefined ? 'none' : `0x${c.version.toString(16)} voters ${c.voters.join(',')} observers ${c.observers.join(',')}`)
    const configs = [...this.live].map(([id, m]) => ({ id, config: `${shown(m.server.status().config.active)}, pending ${shown(m.server.status().config.pending)}` }))
    const differs = configs.find((c) => c.config !== configs[0]!.config)
    if (differs !== undefined) return `members ${configs[0]!.id} and ${differs.id} end on different configurations: ${configs[0]!.config} and ${differs.config}`
    const pipelines = [...this.live.values()].map((m) => (m.server as RunningMember).member)
    const digests = pipelines.map((p) => treeDigest(p))
    const other = digests.findIndex((d) => d !== digests[0])
    if (other !== -1) {
      const ids = [...this.live.keys()]
      return `members at zxid 0x${pipelines[0]!.lastProcessedZxid.toString(16)} hold different trees: ${firstDifference(digests[0]!, digests[other]!, `m${ids[0]}`, `m${ids[other]}`)}`
    }
    const reference = pipelines[0]!
    const final = new Map<string, FinalNode>()
    for (const path of reference.tree.paths()) {
      const n = reference.tree.get(path)!
      final.set(path, { data: Buffer.from(n.data).toString('utf8'), czxid: n.czxid, mzxid: n.mzxid, ephemeralOwner: n.ephemeralOwner })
    }
    // The client-history checks do not model a restore (it takes the tree back to an older state):
    // they cover what clients saw before the first one committed.
    const cut = this.firstRestoreSeq
    if (cut !== undefined) return checkClientHistory(historyBefore(this.history, cut), this.events.filter((d) => d.seq <= cut))
    const liveSessions = new Set([...reference.sessions.all()].map((s) => s.id))
    for (const client of this.clients) if (client.state === 'expired' || client.state === 'closed') this.endedSessions.add(client.sessionId)
    const ended = new Set([...this.endedSessions].filter((id) => !liveSessions.has(id) || this.clients.some((c) => c.sessionId === id && c.state === 'closed')))
    return checkFinalState(this.history, final, ended, liveSessions) ?? checkClientHistory(this.history, this.events)
  }

  /**
   * A restore its leader reported committed is in the history of every later leader, as an
   * acknowledged write is; and every member ends on the newest restore's backup or past it.
   */
  checkRestores(): string | undefined {
    for (const zxid of this.restoresAcked) {
      const lost = this.leaders.lostZxid(zxid)
      if (lost !== undefined) return `the restore committed at 0x${zxid.toString(16)} ${lost}`
    }
    const newest = Math.max(0, ...this.restores.keys())
    const installedAt = this.restores.get(newest)
    if (installedAt === undefined) return undefined
    for (const [id, m] of this.live) {
      const at = (m.server as RunningMember).member.lastProcessedZxid
      if (at < installedAt) return `member ${id} ends at 0x${at.toString(16)}, before the newest restore (entry 0x${newest.toString(16)}, installed at 0x${installedAt.toString(16)})`
    }
    return undefined
  }

  async close(): Promise<void> {
    for (const id of [...this.live.keys()]) await this.crash(id)
  }
}

const openAcl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]

/** The backup commands' settings the restore workload takes backups with (only capture is used). */
const backupSettings = { snapshotEnabled: true, restoreEnabled: true, allowRemote: false, rateLimiterIntervalMs: 0 }

/** The checks of what clients saw, besides the final state. */
function checkClientHistory(history: readonly Op[], events: readonly Delivered[]): string | undefined {
  return checkUniqueResults(history) ?? checkMonotonicSessions(history) ?? checkReads(history) ?? checkWriteOrder(history) ?? checkReadValues(history) ?? checkWatchEvents(history, events) ?? checkLinearizable(history)
}

/**
 * The history as it stood at `seq` in the order of what clients sent and received: requests sent
 * later left out, and those not answered by then made unknown (they may or may not have taken
 * effect, as after a lost connection).
 */
function historyBefore(history: readonly Op[], seq: number): Op[] {
  const out: Op[] = []
  for (const op of history) {
    if ((op.issuedSeq ?? Infinity) > seq) continue
    if ((op.answeredSeq ?? Infinity) <= seq) out.push(op)
    else out.push({ client: op.client, session: op.session, request: op.request, issuedAt: op.issuedAt, member: op.member, outcome: 'unknown', ...(op.issuedSeq === undefined ? {} : { issuedSeq: op.issuedSeq }) })
  }
  return out
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/** The first line (path|data|czxid|mzxid|pzxid|version|cversion|owner|children) two tree digests disagree on. */
function firstDifference(a: string, b: string, nameA: string, nameB: string): string {
  const linesA = a.split('\n')
  const linesB = b.split('\n')
  for (let i = 0; i < Math.max(linesA.length, linesB.length); i++) {
    if (linesA[i] !== linesB[i]) return `${nameA} has ${linesA[i] ?? "(nothing)"}, ${nameB} has ${linesB[i] ?? "(nothing)"} (${linesA.length} and ${linesB.length} nodes; next ${linesA[i + 1]} / ${linesB[i + 1]})`
  }
  return 'no line differs'
}

/** Runs one seed of the whole-system simulation. */
export async function runWholeSeed(seed: number, options: WholeOptions = {}): Promise<WholeOutcome> {
  const stopCounting = countImmediates()
  planted.bug = options.bug
  const run = new Run(seed, options)
  let error: string | undefined
  try {
    await run.execute()
    error = run.check()
  } catch (e) {
    error = `the simulation threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`
  } finally {
    await run.close().catch(() => undefined)
    planted.bug = undefined
    stopCounting()
  }
  const acked = run.history.filter((op) => op.outcome === 'ok').length
  return {
    seed,
    ok: error === undefined,
    ...(error === undefined ? {} : { error }),
    trace: run.trace,
    acked,
    requests: run.history.length,
    faults: run.faults,
    simulatedMs: run.world.clock.now(),
    history: run.history,
  }
}
