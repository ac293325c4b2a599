// Method: round trips. Every request goes through the client mapping (jute-client) and back through the server mapping (jute-server) and must come out equal, directly and again through the jute codec's bytes; every response goes server mapping -> client mapping the same two ways. Then the mapping choices that a round trip cannot show (ZooKeeper's opcode-over-flags rules, refusals) are pinned one by one.
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../lib/errors.js'
import { CreateMode } from '../../../lib/protocol/create-mode.js'
import { OPEN_ACL_UNSAFE, type ACL, type Stat } from '../../../lib/protocol/data.js'
import { fromJuteResponse, fromWatcherEvent, toJuteRequest } from '../../../lib/protocol/jute-client.js'
import type { ClientRequest, ClientResponse } from '../../../lib/protocol/jute-records.js'
import { fromJuteRequest, toJuteResponse, toWatcherEvent } from '../../../lib/protocol/jute-server.js'
import { EventType as EventTypeCode, KeeperState, OpCode } from '../../../lib/protocol/opcodes.js'
import type { Request, Response } from '../../../lib/protocol/requests.js'
import type { EventType, WatcherType } from '../../../lib/protocol/watch.js'
import { JuteReader, JuteWriter } from '../../../lib/wire/jute.js'
import { readRequest, writeRequest } from '../../../lib/wire/requests.js'
import { readResponse, writeResponse } from '../../../lib/wire/responses.js'

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
const digestAcl: ACL[] = [{ perms: 1, id: { scheme: 'digest', id: 'u:h' } }, ...OPEN_ACL_UNSAFE]

/** A Stat whose every field differs, so a swapped or dropped field shows. */
const stat: Stat = {
  czxid: 0x100000001,
  mzxid: 0x100000002,
  ctime: 1_700_000_000_001,
  mtime: 1_700_000_000_002,
  version: 3,
  cversion: 4,
  aversion: 5,
  ephemeralOwner: 0x0100_0000_0000_0006n,
  dataLength: 7,
  numChildren: 8,
  pzxid: 0x100000009,
}

/** The Stat a client reports when the server sent none (old servers' CreateResponse, getChildren). */
const emptyStat: Stat = { czxid: 0, mzxid: 0, ctime: 0, mtime: 0, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: 0, numChildren: 0, pzxid: 0 }

const watcherTypes: WatcherType[] = ['children', 'data', 'any', 'persistent', 'persistentRecursive']

/** Every request a client sends, with every create mode, watcher type and both setWatches forms. */
const requests: Request[] = [
  { op: 'create', path: '/p', data: bytes('p'), acl: OPEN_ACL_UNSAFE, mode: CreateMode.PERSISTENT },
  { op: 'create', path: '/e', data: new Uint8Array(0), acl: digestAcl, mode: CreateMode.EPHEMERAL },
  { op: 'create', path: '/ps-', data: bytes('s'), acl: OPEN_ACL_UNSAFE, mode: CreateMode.PERSISTENT_SEQUENTIAL },
  { op: 'create', path: '/es-', data: bytes('s'), acl: OPEN_ACL_UNSAFE, mode: CreateMode.EPHEMERAL_SEQUENTIAL },
  { op: 'create', path: '/c', data: bytes('c'), acl: OPEN_ACL_UNSAFE, mode: CreateMode.CONTAINER },
  { op: 'create', path: '/t', data: bytes('t'), acl: OPEN_ACL_UNSAFE, mode: CreateMode.PERSISTENT_WITH_TTL, ttlMs: 0xff_ffff_ffff },
  { op: 'create', path: '/ts-', data: bytes('t'), acl: OPEN_ACL_UNSAFE, mode: CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, ttlMs: 5000 },
  { op: 'delete', path: '/p', version: -1 },
  { op: 'setData', path: '/p', data: bytes('yy'), version: 7 },
  { op: 'setACL', path: '/p', acl: digestAcl, version: 0 },
  { op: 'check', path: '/p', version: 1 },
  {
    op: 'multi',
    ops: [
      { op: 'create', path: '/m', data: bytes('m'), acl: OPEN_ACL_UNSAFE, mode: CreateMode.PERSISTENT },
      { op: 'create', path: '/mc', data: bytes(''), acl: OPEN_ACL_UNSAFE, mode: CreateMode.CONTAINER },
      { op: 'create', path: '/mt', data: bytes(''), acl: OPEN_ACL_UNSAFE, mode: CreateMode.PERSISTENT_WITH_TTL, ttlMs: 60_000 },
      { op: 'check', path: '/m', version: 0 },
      { op: 'setData', path: '/m', data: bytes('n'), version: -1 },
      { op: 'delete', path: '/m', version: 1 },
    ],
  },
  { op: 'multi', ops: [] },
  { op: 'closeSession' },
  { op: 'getData', path: '/p', watch: true },
  { op: 'getData', path: '/p', watch: false },
  { op: 'exists', path: '/missing', watch: true },
  { op: 'getChildren', path: '/', watch: true },
  { op: 'getChildren', path: '/p', watch: false },
  { op: 'getACL', path: '/p' },
  { op: 'multiRead', ops: [{ op: 'getData', path: '/p' }, { op: 'getChildren', path: '/' }] },
  { op: 'getEphemerals', prefix: '/' },
  { op: 'getEphemerals', prefix: '/app' },
  { op: 'getAllChildrenNumber', path: '/' },
  { op: 'sync', path: '/' },
  { op: 'addWatch', path: '/w', mode: 'persistent' },
  { op: 'addWatch', path: '/w', mode: 'persistentRecursive' },
  ...watcherTypes.flatMap((type): Request[] => [
    { op: 'removeWatches', path: '/w', type, dryRun: false },
    { op: 'removeWatches', path: '/w', type, dryRun: true },
  ]),
  { op: 'setWatches', relativeZxid: 0x200000005, dataWatches: ['/d'], existWatches: ['/e'], childWatches: ['/c'], persistentWatches: [], persistentRecursiveWatches: [] },
  { op: 'setWatches', relativeZxid: 0, dataWatches: [], existWatches: [], childWatches: [], persistentWatches: ['/p'], persistentRecursiveWatches: ['/r'] },
  { op: 'setAuth', scheme: 'digest', auth: bytes('user:password') },
  { op: 'whoAmI' },
  { op: 'ping' },
]

const describeRequest = (request: Request): string => `${request.op} ${JSON.stringify(request, (_, v: unknown) => (typeof v === 'bigint' || v instanceof Uint8Array ? String(v) : v))}`

/** The record the client sends, which must exist for every request above. */
function sent(request: Request): ClientRequest {
  const record = toJuteRequest(request)
  if (record === undefined) throw new Error(`the client sends nothing for ${request.op}`)
  return record
}

/** A record written by the jute codec and read back, as it crosses the socket. */
function throughBytes(record: ClientRequest): ClientRequest {
  const w = new JuteWriter()
  writeRequest(w, record)
  const r = new JuteReader(w.finish())
  const read = readRequest(OpCode[record.op], r)
  expect(r.remaining).toBe(0)
  return read
}

function responseThroughBytes(sentOp: ClientRequest['op'], record: ClientResponse): ClientResponse {
  const w = new JuteWriter()
  writeResponse(w, record)
  const r = new JuteReader(w.finish())
  const read = readResponse(sentOp, r)
  expect(r.remaining).toBe(0)
  return read
}

describe('requests: client mapping, then server mapping, gives the same request', () => {
  it('covers every request op a client sends', () => {
    const ops = new Set(requests.map((r) => r.op))
    const all: Request['op'][] = [
      'create', 'delete', 'setData', 'setACL', 'check', 'multi', 'closeSession', 'getData', 'exists', 'getChildren', 'getACL',
      'multiRead', 'getEphemerals', 'getAllChildrenNumber', 'sync', 'addWatch', 'removeWatches', 'setWatches', 'setAuth', 'whoAmI', 'ping',
    ]
    expect([...ops].sort()).toEqual([...all].sort())
  })

  it.each(requests.map((r) => [describeRequest(r), r] as const))('%s', (_, request) => {
    expect(fromJuteRequest(sent(request))).toEqual(request)
  })

  it.each(requests.map((r) => [describeRequest(r), r] as const))('through the codec: %s', (_, request) => {
    expect(fromJuteRequest(throughBytes(sent(request)))).toEqual(request)
  })

  it('has no record for deleteContainer, which only the server issues, and the server still reads one', () => {
    expect(toJuteRequest({ op: 'deleteContainer', path: '/c' })).toBeUndefined()
    expect(fromJuteRequest({ op: 'deleteContainer', path: '/c', version: -1 })).toEqual({ op: 'deleteContainer', path: '/c' })
  })
})

/** The sample request of `op` (on `path`, when given). */
function sample(op: Request['op'], path?: string): Request {
  const found = requests.find((r) => r.op === op && (path === undefined || ('path' in r && r.path === path)))
  if (found === undefined) throw new Error(`no sample ${op} ${path ?? ''}`)
  return found
}

/** Each request with the successful response the server gives it. */
const exchanges: [Request, Response][] = [
  [sample('create', '/p'), { err: 0, path: '/p', stat }],
  [sample('create', '/ps-'), { err: 0, path: '/ps-0000000001', stat }],
  [sample('create', '/c'), { err: 0, path: '/c', stat }],
  [sample('create', '/t'), { err: 0, path: '/t', stat }],
  [{ op: 'delete', path: '/p', version: -1 }, { err: 0 }],
  [{ op: 'setData', path: '/p', data: bytes('yy'), version: 7 }, { err: 0, stat }],
  [{ op: 'setACL', path: '/p', acl: digestAcl, version: 0 }, { err: 0, stat }],
  [
    sample('multi'),
    {
      err: 0,
      results: [
        { op: 'create', err: 0, path: '/m', stat },
        { op: 'create', err: 0, path: '/mc', stat },
        { op: 'create', err: 0, path: '/mt', stat },
        { op: 'check', err: 0 },
        { op: 'setData', err: 0, stat },
        { op: 'delete', err: 0 },
      ],
    },
  ],
  // A failed multi: ops before the failure report 0, the failing one its error, later ones RUNTIMEINCONSISTENCY.
  [
    { op: 'multi', ops: [{ op: 'check', path: '/a', version: 0 }, { op: 'delete', path: '/b', version: -1 }, { op: 'check', path: '/c', version: 0 }] },
    { err: 0, results: [{ op: 'error', err: 0 }, { op: 'error', err: ErrorCode.NONODE }, { op: 'error', err: ErrorCode.RUNTIMEINCONSISTENCY }] },
  ],
  [{ op: 'closeSession' }, { err: 0 }],
  [{ op: 'getData', path: '/p', watch: true }, { err: 0, data: bytes('data'), stat }],
  [{ op: 'exists', path: '/p', watch: false }, { err: 0, stat }],
  [{ op: 'getChildren', path: '/', watch: true }, { err: 0, children: ['a', 'b', 'zookeeper'], stat }],
  [{ op: 'getACL', path: '/p' }, { err: 0, acl: digestAcl, stat }],
  [
    { op: 'multiRead', ops: [{ op: 'getData', path: '/p' }, { op: 'getChildren', path: '/' }, { op: 'getData', path: '/missing' }] },
    { err: 0, results: [{ op: 'getData', err: 0, data: bytes('d'), stat }, { op: 'getChildren', err: 0, children: ['p'] }, { op: 'error', err: ErrorCode.NONODE }] },
  ],
  [{ op: 'getEphemerals', prefix: '/' }, { err: 0, paths: ['/e', '/es-0000000002'] }],
  [{ op: 'getAllChildrenNumber', path: '/' }, { err: 0, count: 42 }],
  [{ op: 'sync', path: '/p' }, { err: 0, path: '/p' }],
  [{ op: 'addWatch', path: '/w', mode: 'persistentRecursive' }, { err: 0 }],
  [{ op: 'removeWatches', path: '/w', type: 'any', dryRun: false }, { err: 0 }],
  [{ op: 'removeWatches', path: '/w', type: 'data', dryRun: true }, { err: 0 }],
  [sample('setWatches'), { err: 0 }],
  [requests.findLast((r) => r.op === 'setWatches') ?? sample('setWatches'), { err: 0 }],
  [{ op: 'whoAmI' }, { err: 0, clientInfo: [{ authScheme: 'ip', user: '127.0.0.1' }, { authScheme: 'digest', user: 'user' }] }],
  [{ op: 'ping' }, { err: 0 }],
]

describe('responses: server mapping, then client mapping, gives the same response', () => {
  const cases = exchanges.map(([request, response]) => [describeRequest(request), request, response] as const)

  it('covers every op that has a response record', () => {
    const ops = new Set(exchanges.map(([request]) => request.op))
    const recordless = new Set(['check', 'setAuth'])
    expect(requests.filter((r) => !ops.has(r.op) && !recordless.has(r.op))).toEqual([])
  })

  it.each(cases)('%s', (_, request, response) => {
    const record = sent(request)
    const answer = toJuteResponse(record, response)
    if (answer === undefined) throw new Error(`no response record for ${record.op}`)
    expect(fromJuteResponse(answer)).toEqual(response)
  })

  it.each(cases)('through the codec: %s', (_, request, response) => {
    const record = sent(request)
    const answer = toJuteResponse(record, response)
    if (answer === undefined) throw new Error(`no response record for ${record.op}`)
    expect(fromJuteResponse(responseThroughBytes(record.op, answer))).toEqual(response)
  })

  it('sends no record for auth (its reply is the header alone) nor for check outside multi (refused first, ZOOKEEPER-2623)', () => {
    expect(toJuteResponse(sent({ op: 'setAuth', scheme: 'digest', auth: bytes('u:p') }), { err: 0 })).toBeUndefined()
    expect(toJuteResponse(sent({ op: 'check', path: '/p', version: 1 }), { err: 0 })).toBeUndefined()
  })
})

describe('watch notifications: server WatcherEvent, then client notification', () => {
  const nodeEvents: EventType[] = ['NodeCreated', 'NodeDeleted', 'NodeDataChanged', 'NodeChildrenChanged', 'DataWatchRemoved', 'ChildWatchRemoved', 'PersistentWatchRemoved']

  it.each(nodeEvents)('round-trips %s with its path and zxid', (type) => {
    const notification = { type, path: '/a/b', zxid: 0x300000007 }
    const event = toWatcherEvent(notification)
    expect(event).toEqual({ type: EventTypeCode[type], state: KeeperState.SyncConnected, path: '/a/b' })
    expect(fromWatcherEvent(event, notification.zxid)).toEqual(notification)
  })

  it('drops session events (None) and event types ZooKeeper does not define', () => {
    expect(fromWatcherEvent({ type: EventTypeCode.None, state: KeeperState.SyncConnected, path: '' }, 1)).toBeUndefined()
    expect(fromWatcherEvent({ type: 99, state: KeeperState.SyncConnected, path: '/a' }, 1)).toBeUndefined()
  })
})

describe('client choices (as ZooKeeper.java sends them)', () => {
  const create = (mode: number, ttlMs?: number): Request => ({ op: 'create', path: '/x', data: new Uint8Array(0), acl: OPEN_ACL_UNSAFE, mode, ...(ttlMs === undefined ? {} : { ttlMs }) })

  it('sends create as create2, a container as createContainer and a TTL node as createTTL', () => {
    expect(sent(create(CreateMode.EPHEMERAL_SEQUENTIAL)).op).toBe('create2')
    expect(sent(create(CreateMode.CONTAINER)).op).toBe('createContainer')
    expect(sent(create(CreateMode.PERSISTENT_WITH_TTL, 10))).toMatchObject({ op: 'createTTL', flags: 5, ttl: 10 })
    expect(sent(create(CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL))).toMatchObject({ op: 'createTTL', flags: 6, ttl: -1 })
  })

  it('sends getChildren as getChildren2, removeWatches with dryRun as checkWatches, and setWatches2 only for persistent watches', () => {
    expect(sent({ op: 'getChildren', path: '/', watch: false }).op).toBe('getChildren2')
    expect(sent({ op: 'removeWatches', path: '/', type: 'data', dryRun: true })).toEqual({ op: 'checkWatches', path: '/', type: 2 })
    const lists = { dataWatches: ['/d'], existWatches: [], childWatches: [] }
    expect(sent({ op: 'setWatches', relativeZxid: 1, ...lists, persistentWatches: [], persistentRecursiveWatches: [] }).op).toBe('setWatches')
    expect(sent({ op: 'setWatches', relativeZxid: 1, ...lists, persistentWatches: [], persistentRecursiveWatches: ['/r'] }).op).toBe('setWatches2')
  })

  it('reports an all-zero Stat where the server sent none (CreateResponse, getChildren, multi CreateResult)', () => {
    expect(fromJuteResponse({ op: 'create', path: '/a' })).toEqual({ err: 0, path: '/a', stat: emptyStat })
    expect(fromJuteResponse({ op: 'getChildren', children: ['a'] })).toEqual({ err: 0, children: ['a'], stat: emptyStat })
    expect(fromJuteResponse({ op: 'multi', results: [{ op: 'create', path: '/a' }] })).toEqual({ err: 0, results: [{ op: 'create', err: 0, path: '/a', stat: emptyStat }] })
  })

  it('reads a null data buffer as empty data', () => {
    expect(fromJuteResponse({ op: 'getData', data: null, stat })).toEqual({ err: 0, data: new Uint8Array(0), stat })
  })
})

describe('server rules (PrepRequestProcessor, FinalRequestProcessor)', () => {
  const base = { path: '/x', data: new Uint8Array(0), acl: [...OPEN_ACL_UNSAFE] }

  it('lets the opcode, not the flags, decide the node type', () => {
    expect(fromJuteRequest({ op: 'create2', ...base, flags: CreateMode.CONTAINER })).toMatchObject({ mode: CreateMode.PERSISTENT })
    expect(fromJuteRequest({ op: 'createContainer', ...base, flags: CreateMode.EPHEMERAL })).toMatchObject({ mode: CreateMode.CONTAINER })
    expect(fromJuteRequest({ op: 'createContainer', ...base, flags: CreateMode.PERSISTENT_SEQUENTIAL })).toMatchObject({ mode: -1 })
    expect(fromJuteRequest({ op: 'createTTL', ...base, flags: CreateMode.PERSISTENT, ttl: 5 })).toMatchObject({ mode: -1 })
    expect(fromJuteRequest({ op: 'create', ...base, flags: CreateMode.PERSISTENT_WITH_TTL })).toMatchObject({ mode: CreateMode.PERSISTENT_WITH_TTL })
  })

  it('answers a plain create inside multi with CreateResult(path), and create2 with its stat', () => {
    const record: ClientRequest = { op: 'multi', ops: [{ op: 'create', ...base, flags: 0 }, { op: 'create2', ...base, flags: 0 }] }
    const response: Response = { err: 0, results: [{ op: 'create', err: 0, path: '/x', stat }, { op: 'create', err: 0, path: '/y', stat }] }
    expect(toJuteResponse(record, response)).toEqual({ op: 'multi', results: [{ op: 'create', path: '/x' }, { op: 'create2', path: '/y', stat }] })
  })

  it('answers an unknown WatcherType or AddWatch mode with MARSHALLINGERROR', () => {
    expect(fromJuteRequest({ op: 'removeWatches', path: '/', type: 9 })).toEqual({ err: ErrorCode.MARSHALLINGERROR })
    expect(fromJuteRequest({ op: 'checkWatches', path: '/', type: 0 })).toEqual({ err: ErrorCode.MARSHALLINGERROR })
    expect(fromJuteRequest({ op: 'addWatch', path: '/', mode: 2 })).toEqual({ err: ErrorCode.MARSHALLINGERROR })
  })

  it('has no request for sasl (the server answers it itself)', () => {
    expect(fromJuteRequest({ op: 'sasl', token: new Uint8Array(0) })).toEqual({ err: ErrorCode.UNIMPLEMENTED })
  })

  it('keeps reconfig\'s null and empty strings apart, and answers it with a GetDataResponse', () => {
    const record = { op: 'reconfig', joiningServers: 'server.4=h:1:2;3', leavingServers: null, newMembers: '', curConfigId: 0x100000003 } as const
    expect(fromJuteRequest(record)).toEqual({ op: 'reconfig', joiningServers: 'server.4=h:1:2;3', leavingServers: null, newMembers: '', curConfigId: 0x100000003 })
    const stat = { czxid: 0, mzxid: 5, ctime: 0, mtime: 1, version: -1, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: 3, numChildren: 0, pzxid: 0 }
    const data = new TextEncoder().encode('abc')
    expect(toJuteResponse(record, { err: 0, data, stat })).toEqual({ op: 'reconfig', data, stat })
  })

  it('reads an empty or blank getEphemerals prefix as every ephemeral, and setWatches without persistent lists', () => {
    expect(fromJuteRequest({ op: 'getEphemerals', prefixPath: '' })).toEqual({ op: 'getEphemerals', prefix: '/' })
    expect(fromJuteRequest({ op: 'getEphemerals', prefixPath: '  ' })).toEqual({ op: 'getEphemerals', prefix: '/' })
    expect(fromJuteRequest({ op: 'setWatches', relativeZxid: 3, dataWatches: ['/d'], existWatches: [], childWatches: [] })).toEqual({
      op: 'setWatches', relativeZxid: 3, dataWatches: ['/d'], existWatches: [], childWatches: [], persistentWatches: [], persistentRecursiveWatches: [],
    })
  })
})
