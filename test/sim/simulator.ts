/**
 * The deterministic ZAB simulator: real ZabPeers, a virtual clock, the simulated network and disk,
 * one seed choosing the ensemble, the fault mix and every timing. A safety phase under faults is
 * followed by a liveness phase that heals everything and expects a leader and fresh commits.
 * @module
 */
import {
  type Envelope, type QuorumVerifier, type Ready, type RoleState, type ZabLimits, ZabInvariantError,
  describeMessage, majorityQuorum,
} from '../../lib/zab/index.js'
import { Checker, SimFailure, check } from './checker.js'
import { SimNetwork } from './network.js'
import { SimNode, encodeData } from './node.js'
import { Prng } from '../../lib/testing/sim/prng.js'

/** Steps per tick: messages take 1..delayMaxSteps steps, so a tick is a few round trips. */
const STEPS_PER_TICK = 10
/** Ticks of the safety phase (faults on). */
const FAULT_TICKS = 150
/** Ticks the healed ensemble gets to elect, commit fresh proposals and converge. */
const LIVENESS_TICKS = 250
/** Fresh proposals the liveness phase expects to commit. */
const LIVENESS_PROPOSALS = 3
/** Deliveries within one step beyond which the run is a message storm (a livelock in the core). */
const DELIVERIES_PER_STEP_MAX = 20_000
/** Trace lines kept for a failure report. */
const TRACE_LINES_MAX = 4000

/** The fault mix of one seed. */
export interface FaultProfile {
  readonly delayMaxSteps: number
  readonly slowChance: number
  readonly duplicateChance: number
  readonly dropConnectionChance: number
  readonly partitionChance: number
  readonly crashChance: number
  readonly persistDelayMaxSteps: number
  /** Steps an fsync of epochs/truncation/snapshot holds up a Ready (0 = at once). */
  readonly syncDelayMaxSteps: number
  readonly proposeChance: number
}

/** The ensemble shapes the issue asks for. */
export const ensembles = [
  { voters: 3, observers: 0 },
  { voters: 5, observers: 0 },
  { voters: 3, observers: 2 },
] as const

export interface SimOutcome {
  readonly seed: number
  readonly ok: boolean
  readonly error: string | undefined
  readonly ensemble: string
  readonly committed: number
  readonly acknowledged: number
  readonly leaders: number
  /** Deliveries per message type (plus a few events), to show which paths a run exercised. */
  readonly coverage: Readonly<Record<string, number>>
  /** The last trace lines, when tracing was on. */
  readonly trace: readonly string[]
}

export interface SimOptions {
  /** Record a trace of every input and output (slower); failures are re-run with it. */
  readonly trace?: boolean
}

/** Runs one seed to completion and reports whether every property held. */
export function runSeed(seed: number, options: SimOptions = {}): SimOutcome {
  const sim = new Simulation(seed, options.trace ?? false)
  let error: string | undefined
  try {
    sim.run()
  } catch (caught) {
    if (!(caught instanceof SimFailure || caught instanceof ZabInvariantError)) throw caught
    error = `${caught.name}: ${caught.message}`
  }
  return sim.outcome(error)
}

class Simulation {
  readonly rng: Prng
  readonly network = new SimNetwork()
  readonly checker = new Checker()
  readonly nodes: SimNode[] = []
  readonly ids: number[]
  readonly quorum: QuorumVerifier
  readonly profile: FaultProfile
  readonly ensemble: string
  now = 0
  faults = true
  leaderships = 0
  #proposalCounter = 0
  #syncCounter = 0
  readonly #pendingSyncs = new Map<string, number>()
  readonly #outstanding = new Map<string, number>()
  readonly #restartAt = new Map<number, number>()
  #partitionEndsAt: number | undefined
  #notices: { at: number; member: number; peer: number }[] = []
  readonly #trace: string[] = []
  readonly #coverage: Record<string, number> = {}

  constructor(readonly seed: number, readonly tracing: boolean) {
    this.rng = new Prng(seed)
    const shape = ensembles[seed % ensembles.length] ?? ensembles[0]
    const voters = Array.from({ length: shape.voters }, (_, i) => i + 1)
    const observers = Array.from({ length: shape.observers }, (_, i) => shape.voters + i + 1)
    this.ensemble = `${shape.voters} voters + ${shape.observers} observers`
    this.ids = [...voters, ...observers]
    this.quorum = majorityQuorum(voters, observers)
    this.profile = pickProfile(this.rng)
    const limits: Partial<ZabLimits> = { retainedLogEntriesMax: this.rng.pick([3, 20, 500]) }
    for (const id of this.ids) this.nodes.push(new SimNode(id, this.quorum, limits, this.rng.fork(), this.#hooks()))
    this.log(`seed ${seed}: ${this.ensemble}, faults ${JSON.stringify(this.profile)}, limits ${JSON.stringify(limits)}`)
  }

  run(): void {
    for (const node of this.nodes) node.start()
    for (let tick = 0; tick < FAULT_TICKS; tick++) this.runTick()
    this.heal()
    this.expectLiveness()
  }

  runTick(): void {
    for (let step = 0; step < STEPS_PER_TICK; step++) {
      this.now++
      if (step === 0) this.tickAll()
      if (this.faults) this.injectFaults(step === 0)
      if (this.faults) this.workload()
      this.deliverNotices()
      this.deliver()
      for (const node of this.nodes) {
        node.completeSync(this.now)
        node.completeWrites(this.now)
      }
    }
  }

  tickAll(): void {
    for (const node of this.nodes) {
      if (node.peer === undefined) continue
      node.peer.tick()
      node.drain()
    }
    this.restartDue()
  }

  // Delivers every due message, one connection head at a time in random order (FIFO per connection).
  deliver(): void {
    for (let delivered = 0; ; delivered++) {
      const due = this.network.due(this.now)
      if (due.length === 0) return
      check(delivered < DELIVERIES_PER_STEP_MAX, () => `message storm: over ${DELIVERIES_PER_STEP_MAX} deliveries in one step`)
      const { from, to, message } = this.rng.pick(due)
      this.network.shift(from, to)
      const node = this.node(to)
      if (node.peer === undefined) continue
      if (this.tracing) this.log(`${from}->${to} ${describeMessage(message)}`)
      this.count(message.type === 'ACKEPOCH' && message.currentEpoch === -1 ? 'ACKEPOCH(-1)' : message.type)
      node.peer.step(from, message)
      node.drain()
    }
  }

  // Clients write through whoever they are connected to: the leader proposes, a follower forwards.
  workload(): void {
    if (!this.rng.chance(this.profile.proposeChance)) return
    const node = this.rng.pick(this.nodes)
    if (node.peer === undefined || !node.role.established) return
    if (this.rng.chance(0.1)) return this.startSync(node)
    const data = `p${++this.#proposalCounter}`
    if (node.role.role === 'LEADING') this.propose(node, encodeData(data))
    else node.peer.forward(encodeData(data))
    node.drain()
  }

  // Every input is followed by a drain, as a runtime handles Ready after each event.
  propose(node: SimNode, data: Uint8Array): void {
    const result = node.peer?.propose(data)
    node.drain()
    if (result?.ok !== true) return
    this.#outstanding.set(`${node.id}:${new TextDecoder().decode(data)}`, result.zxid)
    if (this.tracing) this.log(`${node.id} propose ${new TextDecoder().decode(data)} -> ${result.zxid}`)
  }

  startSync(node: SimNode): void {
    const token = ++this.#syncCounter
    const accepted = node.peer?.sync(token) === true
    node.drain()
    if (accepted) this.#pendingSyncs.set(`${node.id}:${token}`, this.checker.syncRequirement(node.role.epoch))
  }

  injectFaults(onTick: boolean): void {
    const p = this.profile
    if (this.rng.chance(p.dropConnectionChance)) {
      const a = this.rng.pick(this.ids)
      const b = this.rng.pick(this.ids.filter((id) => id !== a))
      this.dropConnection(a, b)
    }
    if (!onTick) return
    if (this.#partitionEndsAt !== undefined && this.now >= this.#partitionEndsAt) this.healPartition()
    else if (this.#partitionEndsAt === undefined && this.rng.chance(p.partitionChance)) this.startPartition()
    if (this.rng.chance(p.crashChance)) this.crash(this.rng.pick(this.ids))
  }

  dropConnection(a: number, b: number): void {
    this.network.dropConnection(a, b)
    this.log(`connection ${a}<->${b} dropped`)
    this.#scheduleNotice(a, b)
    this.#scheduleNotice(b, a)
  }

  // Each end learns of a dead connection on its own, after an error or a timeout: sometimes at
  // once, sometimes many ticks later.
  #scheduleNotice(member: number, peer: number): void {
    const at = this.now + this.rng.pick([0, 1, 3 * STEPS_PER_TICK, 20 * STEPS_PER_TICK])
    this.#notices.push({ at, member, peer })
  }

  deliverNotices(): void {
    const due = this.#notices.filter((n) => n.at <= this.now)
    if (due.length === 0) return
    this.#notices = this.#notices.filter((n) => n.at > this.now)
    for (const { member, peer } of due) {
      // A connection dies once: a second notice for one already noticed would wrongly end the
      // session running on its successor.
      if (!this.network.isDead(member, peer)) continue
      this.network.noticed(member, peer)
      const node = this.node(member)
      node.peer?.disconnected(peer)
      node.drain()
    }
  }

  startPartition(): void {
    const leader = this.nodes.find((n) => n.role.role === 'LEADING' && n.role.established)
    const kind = this.rng.pick(['minority', 'majority', 'isolate-leader'] as const)
    const shuffled = [...this.ids].sort(() => this.rng.next() - 0.5)
    let sideA: number[]
    if (kind === 'isolate-leader' && leader !== undefined) sideA = [leader.id]
    else {
      const size = kind === 'minority' ? Math.floor((this.ids.length - 1) / 2) || 1 : Math.ceil(this.ids.length / 2)
      sideA = shuffled.slice(0, size)
    }
    const sideB = this.ids.filter((id) => !sideA.includes(id))
    this.network.partition(sideA, sideB)
    for (const a of sideA) {
      for (const b of sideB) {
        this.#scheduleNotice(a, b)
        this.#scheduleNotice(b, a)
      }
    }
    this.#partitionEndsAt = this.now + this.rng.int(5, 60) * STEPS_PER_TICK
    this.log(`partition ${kind}: [${sideA}] | [${sideB}]`)
  }

  healPartition(): void {
    this.network.heal()
    this.#partitionEndsAt = undefined
    this.log('partition healed')
  }

  crash(id: number): void {
    const node = this.node(id)
    if (node.peer === undefined) return
    node.crash()
    this.count('crash')
    for (const other of this.ids) if (other !== id) this.dropConnection(id, other)
    this.#restartAt.set(id, this.now + this.rng.int(2, 40) * STEPS_PER_TICK)
    this.log(`crash ${id}`)
  }

  restartDue(): void {
    for (const [id, at] of this.#restartAt) {
      if (at > this.now) continue
      this.#restartAt.delete(id)
      this.log(`restart ${id}`)
      this.network.restarted(id, this.ids)
      this.node(id).start()
    }
  }

  // Liveness needs only a quorum: some seeds keep a minority of voters (and an observer) down.
  heal(): void {
    this.faults = false
    this.healPartition()
    const keptDown = this.rng.chance(0.3) ? this.pickMinority() : []
    if (keptDown.length > 0) this.count('liveness with a minority down')
    for (const id of keptDown) this.crash(id)
    for (const id of keptDown) this.#restartAt.delete(id)
    for (const id of this.#restartAt.keys()) this.#restartAt.set(id, this.now)
    this.restartDue()
    this.log(`--- healed: liveness phase${keptDown.length > 0 ? `, kept down: ${keptDown}` : ''} ---`)
  }

  pickMinority(): number[] {
    const voters = [...this.quorum.voters].sort(() => this.rng.next() - 0.5)
    const down = voters.slice(0, this.rng.int(1, Math.floor((voters.length - 1) / 2)))
    const observer = this.quorum.observers[0]
    if (observer !== undefined && this.rng.chance(0.5)) down.push(observer)
    return down
  }

  // Liveness: a healed ensemble elects a leader, commits fresh proposals, and every member catches up.
  expectLiveness(): void {
    const deadline = this.now + LIVENESS_TICKS * STEPS_PER_TICK
    let attempt = 0
    while (this.now < deadline) {
      const leader = this.establishedLeader()
      // One fresh proposal in flight at a time; a lost one (leader change) is simply retried.
      if (leader !== undefined && this.freshCommitted() < LIVENESS_PROPOSALS && !this.#freshInFlight(leader)) {
        this.propose(leader, encodeData(`live${++attempt}`))
      }
      this.runTick()
      if (this.freshCommitted() >= LIVENESS_PROPOSALS && this.converged()) return
    }
    check(false, () => `liveness: no progress within ${LIVENESS_TICKS} ticks after healing (${this.describeRoles()})`)
  }

  establishedLeader(): SimNode | undefined {
    return this.nodes.find((n) => n.role.role === 'LEADING' && n.role.established)
  }

  freshCommitted(): number {
    return this.checker.truth.filter((a) => a.data.startsWith('live')).length
  }

  #freshInFlight(leader: SimNode): boolean {
    for (const key of this.#outstanding.keys()) if (key.startsWith(`${leader.id}:live`)) return true
    return false
  }

  converged(): boolean {
    const length = this.checker.truth.length
    return this.nodes.every((n) => !n.alive || (n.role.established && n.state.length === length))
  }

  describeRoles(): string {
    return this.nodes.map((n) => `${n.id}:${n.role.role}${n.role.established ? '*' : ''}e${n.role.epoch}/${n.state.length}`).join(' ')
  }

  node(id: number): SimNode {
    const node = this.nodes[id - 1]
    if (node === undefined) throw new Error(`no node ${id}`)
    return node
  }

  count(what: string): void {
    this.#coverage[what] = (this.#coverage[what] ?? 0) + 1
  }

  log(line: string): void {
    if (!this.tracing) return
    this.#trace.push(`[${(this.now / STEPS_PER_TICK).toFixed(1)}] ${line}`)
    if (this.#trace.length > TRACE_LINES_MAX) this.#trace.shift()
  }

  outcome(error: string | undefined): SimOutcome {
    return {
      seed: this.seed, ok: error === undefined, error, ensemble: this.ensemble,
      committed: this.checker.truth.length, acknowledged: this.checker.ackedCount,
      leaders: this.leaderships, trace: this.#trace, coverage: this.#coverage,
    }
  }

  #hooks() {
    return {
      now: () => this.now,
      persistDelay: () => this.rng.int(0, this.profile.persistDelayMaxSteps),
      syncDelay: () => this.rng.int(0, this.profile.syncDelayMaxSteps),
      send: (from: number, ready: Ready) => this.#send(from, ready.messages),
      applied: (node: SimNode, entry: { zxid: number; data: string }) => this.#applied(node, entry),
      installed: (node: SimNode) => this.checker.installed(node.id, node.state),
      roleChanged: (node: SimNode, state: RoleState) => this.#roleChanged(node, state),
      requests: (node: SimNode, data: readonly Uint8Array[]) => {
        for (const bytes of data) this.propose(node, bytes)
      },
      syncsCompleted: (node: SimNode, tokens: readonly number[]) => this.#syncsCompleted(node, tokens),
    }
  }

  #send(from: number, messages: readonly Envelope[]): void {
    for (const { to, message } of messages) {
      const slow = this.faults && this.rng.chance(this.profile.slowChance)
      const delay = slow ? this.rng.int(10, 60) : this.rng.int(1, this.profile.delayMaxSteps)
      this.network.send(from, to, message, this.now + delay)
      // A duplicate right behind the original: the core must shrug it off (never a client REQUEST).
      if (this.faults && message.type !== 'REQUEST' && this.rng.chance(this.profile.duplicateChance)) {
        this.network.send(from, to, message, this.now + delay)
      }
    }
  }

  #applied(node: SimNode, entry: { zxid: number; data: string }): void {
    this.checker.applied(node.id, node.state, entry)
    if (this.tracing) this.log(`${node.id} apply ${entry.data}@${entry.zxid}`)
    const key = `${node.id}:${entry.data}`
    if (this.#outstanding.get(key) === entry.zxid) {
      this.#outstanding.delete(key)
      this.checker.acknowledged(node.role.epoch, node.state.length)
    }
  }

  #roleChanged(node: SimNode, state: RoleState): void {
    // A deposed leader's clients lose their connection: their writes are no longer awaited.
    if (state.role !== 'LEADING') {
      for (const key of [...this.#outstanding.keys()]) if (key.startsWith(`${node.id}:`)) this.#outstanding.delete(key)
    }
    if (state.reason !== undefined && state.reason !== 'started') this.count(`LOOKING: ${state.reason.replace(/[0-9]+/g, 'N')}`)
    this.log(`${node.id} state ${state.role}${state.established ? ' established' : ''} leader=${state.leader} epoch=${state.epoch}${state.reason === undefined ? '' : ` (${state.reason})`}`)
    if (state.role === 'LEADING' && state.established) {
      this.leaderships++
      this.checker.established(node.id, state.epoch, node.state)
    }
  }

  #syncsCompleted(node: SimNode, tokens: readonly number[]): void {
    for (const token of tokens) {
      const key = `${node.id}:${token}`
      const required = this.#pendingSyncs.get(key)
      if (required === undefined) continue
      this.#pendingSyncs.delete(key)
      this.checker.syncCompleted(node.id, required, node.state)
    }
  }
}

function pickProfile(rng: Prng): FaultProfile {
  return {
    delayMaxSteps: rng.int(1, 5),
    slowChance: rng.pick([0, 0.01, 0.05]),
    duplicateChance: rng.pick([0, 0.01, 0.05]),
    dropConnectionChance: rng.pick([0, 0.001, 0.005]),
    partitionChance: rng.pick([0, 0.01, 0.03]),
    crashChance: rng.pick([0, 0.005, 0.02]),
    persistDelayMaxSteps: rng.pick([0, 5, 20]),
    syncDelayMaxSteps: rng.pick([0, 0, 3, 15]),
    proposeChance: rng.pick([0.05, 0.2]),
  }
}
