/**
 * The safety properties checked while a simulation runs (ZAB paper section 3; TLA+ protocol-spec
 * invariants): one global committed order that every member's applied history is a prefix of,
 * zxids strictly increasing per member, at most one established leader per epoch, nothing
 * acknowledged to a client ever lost, and sync returning only after what it must see.
 * @module
 */
import { formatZxid } from '../../lib/protocol/zxid.js'

/** A committed transaction as a member applied it. */
export interface Applied {
  readonly zxid: number
  readonly data: string
}

/** A violated property; the run prints its seed for replay. */
export class SimFailure extends Error {
  override readonly name = 'SimFailure'
}

export function check(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new SimFailure(message())
}

export class Checker {
  /** The one committed sequence, position by position (ZAB paper: agreement and total order). */
  readonly truth: Applied[] = []
  readonly #leaderOfEpoch = new Map<number, number>()
  /** Positions in `truth` of proposals whose commit was reported to the client. */
  readonly #ackedPositions: number[] = []
  #maxAckedPosition = -1
  readonly #maxAckedPositionByEpoch = new Map<number, number>()

  /** A member applies `entry` at position `state.length` of its history. */
  applied(member: number, state: readonly Applied[], entry: Applied): void {
    const previous = state.at(-1)
    check(previous === undefined || entry.zxid > previous.zxid,
      () => `member ${member} applied ${formatZxid(entry.zxid)} after ${formatZxid(previous?.zxid ?? 0)}: zxids must strictly increase`)
    this.#agree(member, state.length, entry)
  }

  /** A member replaced its state with a snapshot: it must be a prefix of the committed order. */
  installed(member: number, state: readonly Applied[]): void {
    state.forEach((entry, position) => this.#agree(member, position, entry))
  }

  /** The leader of `epoch` reported `position` committed to its client. */
  acknowledged(epoch: number, position: number): void {
    this.#ackedPositions.push(position)
    this.#maxAckedPosition = Math.max(this.#maxAckedPosition, position)
    this.#maxAckedPositionByEpoch.set(epoch, Math.max(this.#maxAckedPositionByEpoch.get(epoch) ?? -1, position))
  }

  /**
   * What a sync issued now at a member of `epoch` must see. ZooKeeper's sync is not a quorum
   * operation: it is ordered by the leader the member follows, so it covers that leader's
   * acknowledged writes (a deposed leader that has not noticed yet can answer it).
   */
  syncRequirement(epoch: number): number {
    return this.#maxAckedPositionByEpoch.get(epoch) ?? -1
  }

  get ackedCount(): number {
    return this.#ackedPositions.length
  }

  /**
   * A leader became established in `epoch` with `state` applied (its whole initial history):
   * it is the only one for that epoch, and it holds every acknowledged proposal (ZAB paper:
   * primary integrity; TLA+: Leadership).
   */
  established(member: number, epoch: number, state: readonly Applied[]): void {
    const other = this.#leaderOfEpoch.get(epoch)
    check(other === undefined || other === member, () => `two established leaders in epoch ${epoch}: ${other} and ${member}`)
    this.#leaderOfEpoch.set(epoch, member)
    check(state.length > this.#maxAckedPosition,
      () => `leader ${member} of epoch ${epoch} lacks acknowledged proposal at position ${this.#maxAckedPosition} (has ${state.length})`)
  }

  /** A sync finished at `member`: it must have applied every write acknowledged before the sync began. */
  syncCompleted(member: number, requiredPosition: number, state: readonly Applied[]): void {
    check(state.length > requiredPosition,
      () => `sync at member ${member} returned with ${state.length} applied, needed position ${requiredPosition}`)
  }

  #agree(member: number, position: number, entry: Applied): void {
    const known = this.truth[position]
    if (known === undefined) {
      check(position === this.truth.length, () => `member ${member} applied position ${position} beyond the known ${this.truth.length}`)
      this.truth.push(entry)
      return
    }
    check(known.zxid === entry.zxid && known.data === entry.data,
      () => `member ${member} applied ${formatZxid(entry.zxid)}=${entry.data} at position ${position} where ${formatZxid(known.zxid)}=${known.data} was committed`)
  }
}
