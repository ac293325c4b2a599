/**
 * A tiny deterministic cluster for golden transcripts (etcd raft's interaction tests in spirit):
 * commands like `add-peers 3`, `stabilize` (deliver until quiet), `run 5` (5 x: tick everyone,
 * stabilize), `propose 1 a`, `crash 1`, `restart 1`, `status`, and the exact text of what happened,
 * readable because every message has a describe() form. Disk writes are durable at once; messages
 * travel through one global FIFO queue; PINGs are delivered but left out of the text.
 * @module
 */
import { type Envelope, type LogEntry, type ZabRestoredState, ZabPeer, describeMessage, majorityQuorum } from '../../../lib/zab/index.js'
import { formatZxid } from '../../../lib/protocol/zxid.js'
import { testLimits, text } from './harness.js'

interface Disk {
  acceptedEpoch: number
  currentEpoch: number
  log: LogEntry[]
  applied: number
}

export class TranscriptCluster {
  readonly #peers = new Map<number, ZabPeer>()
  readonly #disks = new Map<number, Disk>()
  #queue: { from: number; envelope: Envelope }[] = []
  #voters: number[] = []
  readonly out: string[] = []

  run(script: string): string {
    for (const line of script.split('\n').map((l) => l.trim())) {
      if (line === '' || line.startsWith('#')) continue
      this.out.push(`> ${line}`)
      this.#command(line.split(/\s+/))
    }
    return `${this.out.join('\n')}\n`
  }

  #command([name, ...args]: string[]): void {
    const n = Number(args[0])
    switch (name) {
      case 'add-peers': return this.#addPeers(n)
      case 'stabilize': return this.#stabilize()
      case 'run':
        for (let i = 0; i < n; i++) {
          for (const id of this.#peers.keys()) this.#input(id, (p) => p.tick())
          this.#stabilize()
        }
        return
      case 'tick-all': for (let i = 0; i < n; i++) for (const id of this.#peers.keys()) this.#input(id, (p) => p.tick())
        return
      case 'propose': return this.#input(n, (p) => this.out.push(`  ${n} propose ${args[1]}: ${JSON.stringify(p.propose(new TextEncoder().encode(args[1])))}`))
      case 'crash': return this.#crash(n)
      case 'restart': return this.#start(n)
      case 'status': return this.#status()
      default: throw new TypeError(`unknown transcript command ${name}`)
    }
  }

  #addPeers(count: number): void {
    this.#voters = Array.from({ length: count }, (_, i) => i + 1)
    for (const id of this.#voters) {
      this.#disks.set(id, { acceptedEpoch: 0, currentEpoch: 0, log: [], applied: 0 })
      this.#start(id)
    }
  }

  #start(id: number): void {
    const disk = this.#disks.get(id)
    if (disk === undefined) throw new Error(`no disk ${id}`)
    const restored: ZabRestoredState = { ...disk, snapshotZxid: 0, entries: disk.log.slice(), committedZxid: disk.applied }
    const limits = { ...testLimits, finalizeWaitTicks: 1 }
    const peer = new ZabPeer({ id, quorum: majorityQuorum(this.#voters), random: () => 0, limits }, restored)
    this.#peers.set(id, peer)
    this.#handle(id)
  }

  #crash(id: number): void {
    this.#peers.delete(id)
    this.#queue = this.#queue.filter((m) => m.from !== id && m.envelope.to !== id)
    for (const other of this.#peers.keys()) this.#input(other, (p) => p.disconnected(id))
  }

  #stabilize(): void {
    for (let delivered = 0; this.#queue.length > 0; delivered++) {
      if (delivered > 10_000) throw new Error('transcript does not stabilize')
      const next = this.#queue.shift()
      if (next === undefined) return
      const { from, envelope } = next
      if (!this.#peers.has(envelope.to)) continue
      if (envelope.message.type !== 'PING') this.out.push(`  ${from}->${envelope.to} ${describeMessage(envelope.message)}`)
      this.#input(envelope.to, (p) => p.step(from, envelope.message))
    }
  }

  #input(id: number, apply: (peer: ZabPeer) => void): void {
    const peer = this.#peers.get(id)
    if (peer === undefined) return
    apply(peer)
    this.#handle(id)
  }

  // Carries out each Ready in order; writes are durable at once, so persisted() follows right away.
  #handle(id: number): void {
    const peer = this.#peers.get(id)
    const disk = this.#disks.get(id)
    while (peer !== undefined && disk !== undefined && peer.hasReady()) {
      const ready = peer.ready()
      if (ready.truncate !== undefined) disk.log = disk.log.filter((e) => e.zxid <= (ready.truncate ?? 0))
      if (ready.hardState !== undefined) Object.assign(disk, ready.hardState)
      disk.log.push(...ready.entries)
      for (const envelope of ready.messages) this.#queue.push({ from: id, envelope })
      for (const entry of ready.committed) this.out.push(`  ${id} apply ${formatZxid(entry.zxid)} ${text(entry.data)}`)
      disk.applied = ready.committed.at(-1)?.zxid ?? disk.applied
      if (ready.state !== undefined) {
        const s = ready.state
        const epoch = s.epoch === 0 ? '' : s.established ? ` established in epoch ${s.epoch}` : ` proposing epoch ${s.epoch}`
        this.out.push(`  ${id} is ${s.role}${s.leader === undefined ? '' : ` ${s.leader}`}${epoch}${s.reason === undefined ? '' : ` (${s.reason})`}`)
      }
      const last = ready.entries.at(-1)
      peer.advance()
      if (last !== undefined) peer.persisted(last.zxid)
    }
  }

  #status(): void {
    for (const [id, peer] of this.#peers) {
      const s = peer.status()
      this.out.push(`  ${id}: ${s.role} leader=${s.leader ?? '-'} accepted=${s.acceptedEpoch} current=${s.currentEpoch} last=${formatZxid(s.lastLoggedZxid)} committed=${formatZxid(s.committedZxid)}`)
    }
  }
}
