// Method: Pipelines with hand-held committers and forwarders, so a test decides when the leader
// answers a revalidation and when each proposal commits; what each connection is told is recorded
// (ZooKeeper: Learner.validateSession and LearnerHandler REVALIDATE, SessionTrackerImpl.checkSession
// in PrepRequestProcessor, CommitProcessor matching a commit to the member's own request).
import { describe, expect, it } from 'vitest'
import { VirtualClock } from '../../../lib/clock.js'
import { ErrorCode } from '../../../lib/errors.js'
import { Pipeline } from '../../../lib/server/pipeline.js'
import type { Channel, ClientConnection, ForwardedWrite, SessionGrant } from '../../../lib/server/pipeline-types.js'
import type { Request, Response, WriteRequest } from '../../../lib/protocol/requests.js'
import type { TxnEntry } from '../../../lib/txn/types.js'

const sessionId = 0x0300_0000_0000_0001n
const passwd = new Uint8Array(16).fill(7)
const anyone = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
const create = (path: string): WriteRequest => ({ op: 'create', path, data: new Uint8Array(), acl: anyone, mode: 0 })

/** A connection that records how its session ended. */
function connection(): ClientConnection & { ended: string[] } {
  const ended: string[] = []
  return { remoteAddress: '127.0.0.1', process: () => {}, sessionEnded: (reason) => ended.push(reason), ended }
}

/** The committed entry every member applies, as the leader `origin` proposed it. */
function entry(zxid: number, cxid: number, txn: TxnEntry['txn'], origin: number): TxnEntry {
  return { header: { sessionId, cxid, zxid, time: 0 }, txn, origin }
}

/** Member 2 following a leader (member 3), with the session already created there. */
function follower() {
  const member = new Pipeline({ clock: new VirtualClock(0), myid: 2 })
  const forwarded: ForwardedWrite[] = []
  const revalidated: bigint[] = []
  const syncs: number[] = []
  let syncRoom = true
  member.setForwarder({
    forward: (write) => (forwarded.push(write), true),
    revalidate: (id) => (revalidated.push(id), true),
    sync: (token) => (syncRoom && syncs.push(token), syncRoom),
  })
  member.setRole('follower')
  member.commit(entry(1, 0, { type: 'createSession', timeoutMs: 10_000, passwd }, 3))
  const refuseSyncs = () => (syncRoom = false)
  return { member, forwarded, revalidated, syncs, refuseSyncs }
}

function resume(member: Pipeline, client: ClientConnection): { grant: SessionGrant | { err: number } | undefined } {
  const result: { grant: SessionGrant | { err: number } | undefined } = { grant: undefined }
  member.connect(client, { timeoutMs: 10_000, sessionId, passwd }, (grant) => (result.grant = grant))
  return result
}

function channelOf(result: { grant: SessionGrant | { err: number } | undefined }): Channel {
  const grant = result.grant
  if (grant === undefined || !('channel' in grant)) throw new Error(`no session: ${JSON.stringify(grant)}`)
  return grant.channel
}

describe('a session resumed on a follower', () => {
  it('is granted only once the leader answered the sync sent behind its revalidate', () => {
    const { member, revalidated, syncs } = follower()
    const resumed = resume(member, connection())
    expect(revalidated).toEqual([sessionId])
    expect(syncs).toHaveLength(1)
    expect(resumed.grant).toBeUndefined()
    // A write of the old connection the leader committed before it recorded the move is applied first.
    member.commit(entry(2, 1, { type: 'create', path: '/old', data: new Uint8Array(), acl: anyone, kind: 'persistent', ephemeralOwner: 0n, ttlMs: 0, parentCVersion: 1 }, 1))
    member.syncDone(syncs[0] as number)
    expect(channelOf(resumed).sessionId).toBe(sessionId)
  })

  it('asks the leader about a session it has not applied yet, and checks the password before telling it', () => {
    const member = new Pipeline({ clock: new VirtualClock(0), myid: 2 })
    const revalidated: bigint[] = []
    const syncs: number[] = []
    member.setForwarder({ forward: () => false, revalidate: (id) => (revalidated.push(id), true), sync: (token) => (syncs.push(token), true) })
    member.setRole('follower')
    const wrong = { grant: undefined as SessionGrant | { err: number } | undefined }
    member.connect(connection(), { timeoutMs: 10_000, sessionId, passwd: new Uint8Array(16) }, (grant) => (wrong.grant = grant))
    const right = resume(member, connection())
    expect(syncs).toHaveLength(2)
    expect(revalidated).toEqual([])
    // The session's createSession arrives, then the leader answers both syncs.
    member.commit(entry(1, 0, { type: 'createSession', timeoutMs: 10_000, passwd }, 1))
    member.syncDone(syncs[0] as number)
    member.syncDone(syncs[1] as number)
    expect(wrong.grant).toEqual({ err: ErrorCode.SESSIONEXPIRED })
    expect(revalidated).toEqual([sessionId])
    expect(right.grant).toBeUndefined()
    member.syncDone(syncs[2] as number)
    expect(channelOf(right).sessionId).toBe(sessionId)
  })

  it('answers SESSIONEXPIRED when the session closed before the leader answered', () => {
    const { member, syncs } = follower()
    const resumed = resume(member, connection())
    member.commit(entry(2, -1, { type: 'closeSession', paths2Delete: [], expired: true }, 3))
    member.syncDone(syncs[0] as number)
    expect(resumed.grant).toEqual({ err: ErrorCode.SESSIONEXPIRED })
  })

  it('answers CONNECTIONLOSS at once when no sync can reach the leader', () => {
    const { member, refuseSyncs } = follower()
    refuseSyncs()
    expect(resume(member, connection()).grant).toEqual({ err: ErrorCode.CONNECTIONLOSS })
  })

  it('fails a revalidation whose sync the leader dropped once a later sync is answered', () => {
    const { member, syncs } = follower()
    const dropped = resume(member, connection())
    const answered = resume(member, connection())
    member.syncDone(syncs[1] as number)
    expect(dropped.grant).toEqual({ err: ErrorCode.CONNECTIONLOSS })
    expect(channelOf(answered).sessionId).toBe(sessionId)
  })

  it('does not take a commit with its session and cxid from another member as its own answer', () => {
    const { member, syncs } = follower()
    const resumed = resume(member, connection())
    member.syncDone(syncs[0] as number)
    const answers: Response[] = []
    member.submit(channelOf(resumed), create('/new'), 1, (response) => answers.push(response))
    // The old connection on member 1 sent cxid 1 too; the leader refused it as moved.
    member.commit(entry(2, 1, { type: 'error', err: ErrorCode.SESSIONMOVED }, 1))
    expect(answers).toEqual([])
    member.commit(entry(3, 1, { type: 'create', path: '/new', data: new Uint8Array(), acl: anyone, kind: 'persistent', ephemeralOwner: 0n, ttlMs: 0, parentCVersion: 1 }, 2))
    expect(answers).toMatchObject([{ err: 0, path: '/new' }])
  })
})

describe('the leader\'s owner check (ZooKeeper: PrepRequestProcessor checkSession)', () => {
  /** Member 3 leading, whose proposals wait in `held`; `room` says whether it takes more. */
  function leader() {
    const member = new Pipeline({ clock: new VirtualClock(0), myid: 3 })
    const held: TxnEntry[] = []
    let zxid = 0
    let room = true
    member.setCommitter({ nextZxid: () => zxid + 1, hasRoom: () => room, propose: (proposed) => (held.push(proposed), ++zxid) })
    member.setForwarder({ forward: () => false, sync: () => false, revalidate: () => false })
    member.setRole('leader')
    member.commit(entry(0, 0, { type: 'createSession', timeoutMs: 10_000, passwd }, 3))
    const setRoom = (value: boolean) => (room = value)
    return { member, held, setRoom }
  }

  const forwarded = (cxid: number, request: WriteRequest): ForwardedWrite => ({ sessionId, cxid, authInfo: [], request })

  it('prepares a write from the owner and refuses one from another member with a SESSIONMOVED error transaction', () => {
    const { member, held } = leader()
    member.setOwner(sessionId, 1)
    member.proposeForwarded(forwarded(1, create('/a')), 1)
    member.proposeForwarded(forwarded(1, create('/b')), 2)
    expect(held.map((proposed) => [proposed.txn.type, proposed.origin])).toEqual([['create', 1], ['error', 2]])
    expect(held[1]?.txn).toEqual({ type: 'error', err: ErrorCode.SESSIONMOVED })
  })

  it('checks the owner when a waiting write is proposed, so a move recorded meanwhile counts', () => {
    const { member, held, setRoom } = leader()
    member.setOwner(sessionId, 1)
    setRoom(false)
    member.proposeForwarded(forwarded(1, create('/late')), 1)
    expect(held).toHaveLength(0)
    member.setOwner(sessionId, 2)
    setRoom(true)
    member.commit(entry(1, 0, { type: 'error', err: 0 }, 3))
    expect(held.map((proposed) => proposed.txn)).toEqual([{ type: 'error', err: ErrorCode.SESSIONMOVED }])
  })

  it('lets a closeSession through from any member (expiry closes sessions it does not own)', () => {
    const { member, held } = leader()
    member.setOwner(sessionId, 1)
    member.proposeForwarded(forwarded(5, { op: 'closeSession' } as Request as WriteRequest), 2)
    expect(held[0]?.txn.type).toBe('closeSession')
  })
})
