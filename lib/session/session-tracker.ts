/**
 * Sessions and their expiry (apache/zookeeper SessionTrackerImpl and ExpiryQueue): each session
 * expires at its last activity plus its timeout, rounded up to the next tick, so expiry is
 * checked once per tick for a whole bucket. Time comes in as arguments; there is no clock here.
 * @module
 */

/** One session as the tracker keeps it. */
export interface Session {
  /** 64-bit session id (signed, as on the wire). */
  readonly id: bigint
  /** Negotiated timeout in ms. */
  readonly timeoutMs: number
  /** The 16-byte password a reconnecting client must present. */
  readonly passwd: Uint8Array
  /** The tick-aligned time at which the session expires unless touched, in ms. */
  expiresAt: number
  /** Set once the session is closing: it accepts no more requests. */
  closing: boolean
  /**
   * The member whose client connection holds the session, as the leader knows it (ZooKeeper's
   * session owner); undefined until the leader first checks or sets it. Only the leader keeps it,
   * and it is never replicated: it decides SESSIONMOVED in the leader's prep.
   */
  owner: number | undefined
}

/** What {@link SessionTracker.checkOwner} finds (ZooKeeper's SessionTrackerImpl.checkSession). */
export type OwnerCheck = 'ok' | 'unknown' | 'closing' | 'moved'

/** Tracks sessions and which of them are due to expire. */
export class SessionTracker {
  private readonly sessions = new Map<bigint, Session>()
  private readonly buckets = new Map<number, Set<bigint>>()
  private nextId: bigint

  /**
   * @param tickTimeMs - bucket width, ZooKeeper's tickTime.
   * @param myid - the member's id; the top byte of every session id it creates.
   * @param now - the current time, which seeds the session id counter as ZooKeeper does.
   */
  constructor(
    private readonly tickTimeMs: number,
    myid: number,
    now: number,
  ) {
    this.nextId = initialSessionId(myid, now)
  }

  /** Allocates a fresh session id (not yet a session: that happens when createSession applies). */
  allocateId(): bigint {
    const id = this.nextId
    this.nextId = BigInt.asIntN(64, this.nextId + 1n)
    return id
  }

  /** Adds a session (createSession applied, or restored); a known id keeps its entry. */
  add(id: bigint, timeoutMs: number, passwd: Uint8Array, now: number): Session {
    const existing = this.sessions.get(id)
    if (existing !== undefined) return existing
    // A restored session from this member must never collide with a new id (restart on a virtual
    // clock, or a clock that went backwards).
    if (id >> 56n === this.nextId >> 56n && id >= this.nextId) this.nextId = BigInt.asIntN(64, id + 1n)
    const session: Session = { id, timeoutMs, passwd, expiresAt: 0, closing: false, owner: undefined }
    this.sessions.set(id, session)
    this.schedule(session, now)
    return session
  }

  /** The session with `id`, if it is open. */
  get(id: bigint): Session | undefined {
    return this.sessions.get(id)
  }

  /** Every open session. */
  all(): IterableIterator<Session> {
    return this.sessions.values()
  }

  /** Number of open sessions. */
  get size(): number {
    return this.sessions.size
  }

  /** Records activity; returns false when the session is unknown or closing (ZooKeeper touchSession). */
  touch(id: bigint, now: number): boolean {
    const session = this.sessions.get(id)
    if (session === undefined || session.closing) return false
    this.schedule(session, now)
    return true
  }

  /**
   * {@link touch}, then {@link checkOwner} for `owner` when given, with one lookup: 'unknown' when
   * the session is unknown or closing (and is not touched), else the owner check's answer ('ok'
   * without an owner).
   */
  touchOwned(id: bigint, now: number, owner: number | undefined): 'ok' | 'unknown' | 'moved' {
    const session = this.sessions.get(id)
    if (session === undefined || session.closing) return 'unknown'
    this.schedule(session, now)
    return owner === undefined ? 'ok' : ownedBy(session, owner)
  }

  /** Gives every open session a full timeout from `now` (a new leader has not heard their pings). */
  touchAll(now: number): void {
    for (const session of this.sessions.values()) if (!session.closing) this.schedule(session, now)
  }

  /**
   * ZooKeeper's checkSession: whether a request of session `id` may come from member `owner`. A
   * session without an owner takes `owner` as its owner; one owned by another member has moved.
   */
  checkOwner(id: bigint, owner: number): OwnerCheck {
    const session = this.sessions.get(id)
    if (session === undefined) return 'unknown'
    if (session.closing) return 'closing'
    return ownedBy(session, owner)
  }

  /** ZooKeeper's setOwner: the session now lives on member `owner`; false when unknown or closing. */
  setOwner(id: bigint, owner: number): boolean {
    const session = this.sessions.get(id)
    if (session === undefined || session.closing) return false
    session.owner = owner
    return true
  }

  /** Forgets every owner (a new leader learns them again, as ZooKeeper's does). */
  forgetOwners(): void {
    for (const session of this.sessions.values()) session.owner = undefined
  }

  /** Forgets every session (the member's state is being replaced by a snapshot). */
  clear(): void {
    this.sessions.clear()
    this.buckets.clear()
  }

  /** Forgets a session (closeSession applied). */
  remove(id: bigint): void {
    const session = this.sessions.get(id)
    if (session === undefined) return
    this.sessions.delete(id)
    this.buckets.get(session.expiresAt)?.delete(id)
  }

  /**
   * Returns the sessions whose bucket time has come by `now` and marks them closing, so each is
   * reported once; the caller proposes closeSession for each.
   */
  expire(now: number): Session[] {
    // Few buckets are live at once (at most maxSessionTimeout / tickTime), so a scan is cheap
    // and, unlike stepping tick by tick, stays cheap when a virtual clock jumps far ahead.
    const dueBuckets = [...this.buckets.keys()].filter((time) => time <= now).sort((a, b) => a - b)
    const due: Session[] = []
    for (const time of dueBuckets) {
      const bucket = this.buckets.get(time)
      this.buckets.delete(time)
      for (const id of bucket ?? []) {
        const session = this.sessions.get(id)
        if (session === undefined || session.closing) continue
        session.closing = true
        due.push(session)
      }
    }
    return due
  }

  /** Marks a session closing (the client asked to close); returns false if unknown. */
  setClosing(id: bigint): boolean {
    const session = this.sessions.get(id)
    if (session === undefined) return false
    session.closing = true
    return true
  }

  private schedule(session: Session, now: number): void {
    const expiresAt = this.roundToNextTick(now + session.timeoutMs)
    if (expiresAt === session.expiresAt) return
    this.buckets.get(session.expiresAt)?.delete(session.id)
    session.expiresAt = expiresAt
    let bucket = this.buckets.get(expiresAt)
    if (bucket === undefined) this.buckets.set(expiresAt, (bucket = new Set()))
    bucket.add(session.id)
  }

  private roundToNextTick(time: number): number {
    return (Math.floor(time / this.tickTimeMs) + 1) * this.tickTimeMs
  }
}

/** Whether an open session is owned by `owner`, which takes it when it has no owner yet. */
function ownedBy(session: Session, owner: number): 'ok' | 'moved' {
  session.owner ??= owner
  return session.owner === owner ? 'ok' : 'moved'
}

/**
 * The first session id of a member: its id in the top byte, then the clock shifted as
 * SessionTrackerImpl.initializeNextSessionId does, so ids from a restarted member do not repeat.
 */
export function initialSessionId(myid: number, now: number): bigint {
  const time = (BigInt(Math.floor(now)) << 24n) & 0xffff_ffff_ffff_ffffn
  const shifted = time >> 8n
  return BigInt.asIntN(64, shifted | (BigInt(myid & 0xff) << 56n))
}
