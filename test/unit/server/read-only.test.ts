// Method: the read-only decisions as pure functions, then a Pipeline driven by hand on a virtual
// clock through the roles the replication runtime gives it (ZooKeeper: QuorumPeer.run's
// read-only grace period, ReadOnlyRequestProcessor, ReadOnlyZooKeeperServer).
import { describe, expect, it } from 'vitest'
import { VirtualClock } from '../../../lib/clock.js'
import { ErrorCode } from '../../../lib/errors.js'
import { Pipeline } from '../../../lib/server/pipeline.js'
import type { Channel, ClientConnection, SessionGrant } from '../../../lib/server/pipeline-types.js'
import { readOnlyStartDelayMs, refusedReadOnly } from '../../../lib/server/read-only.js'
import type { Request, Response } from '../../../lib/protocol/requests.js'

describe('read-only decisions', () => {
  it('waits max(2000 ms, tickTime) before serving read-only (QuorumPeer.run)', () => {
    expect(readOnlyStartDelayMs(200)).toBe(2000)
    expect(readOnlyStartDelayMs(2000)).toBe(2000)
    expect(readOnlyStartDelayMs(5000)).toBe(5000)
  })

  it('refuses what ReadOnlyRequestProcessor refuses, sync included, and passes reads', () => {
    const refused: Request[] = [
      { op: 'create', path: '/a', data: new Uint8Array(), acl: [], mode: 0 } as unknown as Request,
      { op: 'delete', path: '/a', version: -1 },
      { op: 'setData', path: '/a', data: new Uint8Array(), version: -1 },
      { op: 'setACL', path: '/a', acl: [], version: -1 },
      { op: 'check', path: '/a', version: -1 },
      { op: 'multi', ops: [] },
      { op: 'sync', path: '/' },
    ] as Request[]
    for (const r of refused) expect(refusedReadOnly(r), r.op).toBe(true)
    const passed = [{ op: 'getData', path: '/', watch: false }, { op: 'exists', path: '/', watch: true }, { op: 'getChildren', path: '/', watch: false }, { op: 'closeSession' }] as Request[]
    for (const r of passed) expect(refusedReadOnly(r), r.op).toBe(false)
  })
})

class Link implements ClientConnection {
  readonly remoteAddress = '127.0.0.1'
  readonly ended: string[] = []
  readonly events: unknown[] = []
  process(event: unknown): void {
    this.events.push(event)
  }
  sessionEnded(reason: 'expired' | 'closed' | 'moved'): void {
    this.ended.push(reason)
  }
}

function member(readOnlyModeEnabled = true) {
  const clock = new VirtualClock(1_000_000)
  const pipeline = new Pipeline({ clock, tickTimeMs: 200, myid: 3, readOnlyModeEnabled })
  // The replication runtime says LOOKING when it starts.
  pipeline.setRole('looking', true)
  return { clock, pipeline }
}

function open(pipeline: Pipeline, link: Link, sessionId?: bigint): SessionGrant | { err: number } {
  let result: SessionGrant | { err: number } = { err: 1 }
  pipeline.connect(link, { timeoutMs: 4000, ...(sessionId === undefined ? {} : { sessionId }) }, (grant) => {
    result = grant
  })
  return result
}

function ask(pipeline: Pipeline, channel: Channel, request: Request): Response {
  let response: Response = { err: 1 }
  pipeline.submit(channel, request, 1, (r) => {
    response = r
  })
  return response
}

describe('a member in read-only mode', () => {
  it('serves nobody until it has looked for a leader for 2000 ms, then reports read-only', () => {
    const { clock, pipeline } = member()
    expect(open(pipeline, new Link())).toEqual({ err: ErrorCode.CONNECTIONLOSS })
    clock.advance(1999)
    expect(pipeline.mode).toBe('looking')
    clock.advance(1)
    expect(pipeline.mode).toBe('read-only')
    expect(pipeline.readOnly).toBe(true)
  })

  it('never turns read-only with readOnlyModeEnabled off, nor once the member failed', () => {
    const off = member(false)
    off.clock.advance(10_000)
    expect(off.pipeline.mode).toBe('looking')
    const failed = member()
    failed.pipeline.disableReadOnly()
    failed.clock.advance(10_000)
    expect(failed.pipeline.mode).toBe('looking')
  })

  it('opens local sessions with the member id on top, serves reads and refuses writes with NOTREADONLY', () => {
    const { clock, pipeline } = member()
    clock.advance(2000)
    const grant = open(pipeline, new Link())
    if (!('channel' in grant)) throw new Error(`refused: ${grant.err}`)
    expect(grant.sessionId >> 56n).toBe(3n)
    expect(ask(pipeline, grant.channel, { op: 'exists', path: '/', watch: false })).toMatchObject({ err: 0 })
    expect(ask(pipeline, grant.channel, { op: 'getChildren', path: '/', watch: false })).toMatchObject({ err: 0 })
    expect(ask(pipeline, grant.channel, { op: 'delete', path: '/a', version: -1 })).toEqual({ err: ErrorCode.NOTREADONLY })
    expect(ask(pipeline, grant.channel, { op: 'sync', path: '/' })).toEqual({ err: ErrorCode.NOTREADONLY })
    expect(pipeline.lastProcessedZxid).toBe(0)
  })

  it('refuses to resume a global session (ReadOnlyZooKeeperServer.validateSession) and resumes its own', () => {
    const { clock, pipeline } = member()
    pipeline.apply({ header: { sessionId: 0x0100000000000001n, cxid: 0, zxid: 1, time: 0 }, txn: { type: 'createSession', timeoutMs: 4000, passwd: new Uint8Array(16) } })
    clock.advance(2000)
    expect(open(pipeline, new Link(), 0x0100000000000001n)).toEqual({ err: ErrorCode.CONNECTIONLOSS })
    const first = open(pipeline, new Link())
    if (!('channel' in first)) throw new Error('refused')
    let resumed: SessionGrant | { err: number } = { err: 1 }
    pipeline.connect(new Link(), { timeoutMs: 4000, sessionId: first.sessionId, passwd: first.passwd }, (g) => {
      resumed = g
    })
    expect(resumed).toMatchObject({ sessionId: first.sessionId })
  })

  it('expires a read-only session whose client went silent, on its own', () => {
    const { clock, pipeline } = member()
    clock.advance(2000)
    const link = new Link()
    const grant = open(pipeline, link)
    if (!('channel' in grant)) throw new Error('refused')
    clock.advance(grant.timeoutMs + 400)
    expect(link.ended).toEqual(['expired'])
    expect(pipeline.sessions.get(grant.sessionId)).toBeUndefined()
  })

  it('drops its read-only clients and forgets their sessions when the election ends', () => {
    const { clock, pipeline } = member()
    clock.advance(2000)
    const link = new Link()
    const grant = open(pipeline, link)
    if (!('channel' in grant)) throw new Error('refused')
    // Election over (FOLLOWING, not yet synced): ZooKeeper shuts the read-only server down now.
    pipeline.setRole('looking', false)
    expect(pipeline.mode).toBe('looking')
    expect(link.ended).toEqual(['moved'])
    expect(pipeline.sessions.get(grant.sessionId)).toBeUndefined()
    // Back to LOOKING: the grace period starts over.
    pipeline.setRole('looking', true)
    clock.advance(1999)
    expect(pipeline.mode).toBe('looking')
    clock.advance(1)
    expect(pipeline.mode).toBe('read-only')
    pipeline.close()
  })
})
