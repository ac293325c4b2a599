// The pure half of the stateful client-port fuzzer (stateful-fuzz.test.ts): what to send (a seeded
// planner of requests over a small path space, and byte mutations), what the server must answer
// (its view of our byte stream, frame by frame, through the project's own FrameDecoder and request
// decoder, with ZooKeeper's rule for each kind of bad frame), the check of every reply against that
// expectation, and a model of which znodes exist, replayed in zxid order at the end. No sockets.
import { ErrorCode } from '../../../lib/errors.js'
import { digestId } from '../../../lib/digest.js'
import { juteMaxBufferBytes } from '../../../lib/limits.js'
import { isAtOrBelow, parentPath, pathProblem } from '../../../lib/path.js'
import type { ACL, Stat } from '../../../lib/protocol/data.js'
import type { ClientRequest, ClientResponse, MultiOp, MultiResult } from '../../../lib/protocol/jute-records.js'
import { EventType, KeeperState, OpCode, Xid } from '../../../lib/protocol/opcodes.js'
import {
  FrameDecoder,
  JuteDecodeError,
  JuteReader,
  JuteWriter,
  decodeRequestFrame,
  readReplyHeader,
  readResponse,
  readWatcherEvent,
  writeRequestFrame,
  type ReplyHeader,
} from '../../../lib/wire/index.js'
import type { Prng } from '../../../lib/testing/sim/prng.js'

/** The server's frame limit (jute.maxbuffer; member-child leaves the default). */
export const maxBufferBytes = juteMaxBufferBytes
/** Every znode the fuzzer writes lives under this one. */
export const fuzzRoot = '/f'

// ---- the path space ----------------------------------------------------------------------------

/** The digest users sessions authenticate as (addauth digest user:password). */
export const users: readonly (readonly [string, string])[] = [['u0', 'p0'], ['u1', 'p1'], ['u2', 'p2']]
const digestOf = (i: number): string => digestId(`${users[i]![0]}:${users[i]![1]}`)

function tree(): string[] {
  const paths = [fuzzRoot]
  let level = [fuzzRoot]
  for (const names of [['a', 'b', 'c', 'é'], ['a', 'b'], ['x', 'y'], ['z']]) {
    level = level.flatMap((p) => names.map((n) => `${p}/${n}`))
    paths.push(...level)
  }
  return paths
}

/** The ordinary paths (depth ≤ 4 under /f), chosen often so that operations collide. */
const shallowPaths = tree()
/** A chain 21 levels deep, created and deleted level by level or by multi. */
const deepChain = Array.from({ length: 21 }, (_, i) => fuzzRoot + '/deep' + '/d'.repeat(i))
/** Long node names. */
const longPaths = [`${fuzzRoot}/${'L'.repeat(255)}`, `${fuzzRoot}/a/${'M'.repeat(3000)}`]
/**
 * Nodes of about jute.maxbuffer live here, read now and then: more than 8 MiB of their replies
 * released in one turn gets a reading client closed as one that does not read (a known Paddock
 * bug, see queuedBytesMax in lib/wire/connection.ts), which the shallow tree would make likely.
 */
const bigPaths = [`${fuzzRoot}/big`, `${fuzzRoot}/a/big`]
/** Prefixes of sequential creates (a trailing slash is allowed there). */
const sequencePrefixes = [`${fuzzRoot}/s`, `${fuzzRoot}/a/s`, `${fuzzRoot}/b/`]
/** Paths a valid client might name that are refused (BADARGUMENTS) or live outside /f. */
const invalidPaths = ['', 'f', '/f/', '/f//a', '/f/./a', '/f/a/..', '/f/\u0000', '/f/\u{1F600}', '/f/\u0001x']
const outsidePaths = ['/', '/zookeeper', '/zookeeper/quota', '/zookeeper/config', '/nonexistent']

// ---- the planner ---------------------------------------------------------------------------------

const openAcl: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
const filler = new Uint8Array(maxBufferBytes + 64).fill(0x78)

/** A request to send on one session and what kind it is, for the statistics. */
export interface Planned {
  request: ClientRequest
  /** Near jute.maxbuffer: the payload is this many bytes (maybe one over, which closes the connection). */
  payloadBytes?: number
}

/**
 * Picks requests from the seed alone: nothing that a reply said changes what is sent, so a seed
 * replays the same bytes on every connection (the server's interleaving of sessions still varies).
 */
export class Planner {
  constructor(private readonly rng: Prng) {}

  /** A path for a write or a read: mostly the shallow tree, sometimes deep, long, invalid or outside. */
  path(forWrite: boolean): string {
    const r = this.rng.next()
    if (r < 0.82) return this.rng.pick(shallowPaths.slice(0, this.rng.chance(0.5) ? 5 : shallowPaths.length))
    if (r < 0.9) return deepChain[this.rng.int(0, deepChain.length - 1)]!
    if (r < 0.93) return this.rng.pick(longPaths)
    if (r < 0.935 && !forWrite) return this.rng.pick(bigPaths)
    if (r < 0.97 && !forWrite) return this.rng.pick(outsidePaths)
    return this.rng.pick(invalidPaths)
  }

  private data(): Uint8Array {
    const r = this.rng.next()
    const bytes = (n: number) => Uint8Array.from({ length: n }, () => this.rng.int(0, 255))
    if (r < 0.3) return new Uint8Array(0)
    if (r < 0.95) return bytes(this.rng.int(1, 48))
    return filler.subarray(0, this.rng.int(49, 8192))
  }

  private version(): number {
    return this.rng.chance(0.55) ? -1 : this.rng.int(0, 3)
  }

  acl(): ACL[] {
    const r = this.rng.next()
    const digest = (i: number, perms = 31): ACL => ({ perms, id: { scheme: 'digest', id: digestOf(i) } })
    if (r < 0.65) return openAcl
    if (r < 0.73) return [{ perms: 1, id: { scheme: 'world', id: 'anyone' } }, digest(0)]
    if (r < 0.8) return [{ perms: 1 | 4, id: { scheme: 'world', id: 'anyone' } }, digest(1), digest(2, 1)]
    if (r < 0.86) return [{ perms: 31, id: { scheme: 'auth', id: '' } }]
    if (r < 0.91) return [{ perms: 31, id: { scheme: 'ip', id: '127.0.0.1' } }]
    return this.rng.pick<ACL[]>([
      [],
      [{ perms: 31, id: { scheme: 'bogus', id: 'x' } }],
      [{ perms: 31, id: { scheme: 'digest', id: 'nocolon' } }],
      [{ perms: 0, id: { scheme: 'world', id: 'anyone' } }],
      [{ perms: 31, id: { scheme: 'world', id: 'someone' } }],
      [{ perms: 31, id: { scheme: 'super', id: '' } }],
    ])
  }

  private create(): ClientRequest {
    const r = this.rng.next()
    const sequential = this.rng.chance(0.15)
    const path = sequential ? this.rng.pick(sequencePrefixes) : this.path(true)
    // /f keeps its open ACL (the final walk must read it); every other node may get any ACL.
    const base = { path, data: this.data(), acl: path === fuzzRoot ? openAcl : this.acl() }
    if (r < 0.7) {
      const flags = sequential ? this.rng.pick([2, 2, 3]) : this.rng.pick([0, 0, 0, 0, 1, 1, 4, 5, -1, 7])
      return { op: this.rng.chance(0.5) ? 'create' : 'create2', ...base, flags }
    }
    if (r < 0.85) return { op: 'createContainer', ...base, flags: this.rng.pick([4, 4, 0, 2]) }
    const ttl = this.rng.pick([1, 50, 10_000, 3_600_000, 0, -1, 2 ** 40 + 1])
    return { op: 'createTTL', ...base, flags: sequential ? 6 : this.rng.pick([5, 5, 6, 0]), ttl }
  }

  private multiOp(): MultiOp {
    const r = this.rng.next()
    if (r < 0.35) return this.create() as MultiOp
    if (r < 0.6) return { op: 'delete', path: this.path(true), version: this.version() }
    if (r < 0.8) return { op: 'setData', path: this.path(true), data: this.data(), version: this.version() }
    return { op: 'check', path: this.path(true), version: this.version() }
  }

  /** A multi that builds or tears down a slice of the deep chain, or mixes ops at random. */
  private multi(): ClientRequest {
    const r = this.rng.next()
    if (r < 0.1) {
      const from = this.rng.int(0, deepChain.length - 2)
      const to = this.rng.int(from + 1, deepChain.length)
      const slice = deepChain.slice(from, to)
      if (this.rng.chance(0.5)) return { op: 'multi', ops: slice.map((path) => ({ op: 'create', path, data: new Uint8Array(0), acl: openAcl, flags: 0 })) }
      return { op: 'multi', ops: slice.reverse().map((path) => ({ op: 'delete', path, version: -1 })) }
    }
    if (r < 0.13) return { op: 'multi', ops: [] }
    return { op: 'multi', ops: Array.from({ length: this.rng.int(1, 6) }, () => this.multiOp()) }
  }

  private watchable(op: 'exists' | 'getData' | 'getChildren' | 'getChildren2'): ClientRequest {
    return { op, path: this.path(false), watch: this.rng.chance(0.3) }
  }

  /** A near-jute.maxbuffer write: a create or setData whose frame payload is just under, at or one byte over the limit. */
  private big(): Planned {
    const path = this.rng.pick(bigPaths)
    const payloadBytes = maxBufferBytes - this.rng.pick([4096, 64, 1, 0, 0, -1])
    const request: ClientRequest = this.rng.chance(0.5)
      ? { op: 'setData', path, data: filler, version: -1 }
      : { op: 'create', path, data: filler, acl: openAcl, flags: 0 }
    const overhead = encodeFrame(1, { ...request, data: new Uint8Array(0) } as ClientRequest).length - 4
    return { request: { ...request, data: filler.subarray(0, payloadBytes - overhead) } as ClientRequest, payloadBytes }
  }

  /** The next request of a burst. */
  next(): Planned {
    const rng = this.rng
    const r = rng.next() * 100
    if (r < 16) return { request: this.create() }
    if (r < 25) return { request: { op: 'delete', path: this.path(true), version: this.version() } }
    if (r < 34) return { request: { op: 'setData', path: this.path(true), data: this.data(), version: this.version() } }
    if (r < 44) return { request: this.watchable('getData') }
    if (r < 51) return { request: this.watchable('exists') }
    if (r < 55) return { request: this.watchable('getChildren') }
    if (r < 59) return { request: this.watchable('getChildren2') }
    if (r < 62) return { request: { op: 'getACL', path: this.path(false) } }
    if (r < 65) return { request: { op: 'setACL', path: this.path(true).replace(/^\/f$/, '/f/a'), acl: this.acl(), version: this.version() } }
    if (r < 67) return { request: { op: 'sync', path: this.path(false) } }
    if (r < 73) return { request: this.multi() }
    if (r < 76) return { request: { op: 'multiRead', ops: Array.from({ length: rng.int(1, 6) }, () => ({ op: rng.pick(['getData', 'getChildren'] as const), path: this.path(false), watch: false })) } }
    if (r < 78) return { request: this.setWatches() }
    if (r < 80) return { request: { op: 'addWatch', path: this.path(false), mode: rng.pick([0, 1]) } }
    if (r < 82) return { request: { op: rng.pick(['removeWatches', 'checkWatches'] as const), path: this.path(false), type: rng.int(1, 5) } }
    if (r < 83) return { request: this.auth() }
    if (r < 86) return { request: { op: 'ping' } }
    if (r < 87.5) return { request: { op: 'getEphemerals', prefixPath: rng.pick(['/', '', fuzzRoot, '/f/a', '/f/s']) } }
    if (r < 89) return { request: { op: 'getAllChildrenNumber', path: this.path(false) } }
    if (r < 90) return { request: { op: 'whoAmI' } }
    if (r < 90.3) return { request: { op: 'reconfig', joiningServers: null, leavingServers: null, newMembers: null, curConfigId: -1 } }
    if (r < 90.45) return this.big()
    return { request: this.watchable(rng.pick(['getData', 'exists'] as const)) }
  }

  private setWatches(): ClientRequest {
    const rng = this.rng
    const paths = () => Array.from({ length: rng.int(0, 4) }, () => this.path(false))
    const relativeZxid = rng.pick([0, 1, rng.int(0, 50_000)])
    if (rng.chance(0.3)) return { op: 'setWatches', relativeZxid, dataWatches: paths(), existWatches: paths(), childWatches: paths() }
    return { op: 'setWatches2', relativeZxid, dataWatches: paths(), existWatches: paths(), childWatches: paths(), persistentWatches: paths(), persistentRecursiveWatches: paths() }
  }

  /** addauth digest as one of the users, now and then with a credential or a scheme that fails. */
  auth(): ClientRequest {
    const user = this.rng.pick(users)
    const r = this.rng.next()
    const scheme = r < 0.97 ? 'digest' : r < 0.985 ? 'ip' : 'kerberos'
    return { op: 'auth', type: 0, scheme, auth: new TextEncoder().encode(`${user[0]}:${user[1]}`) }
  }
}

/** The xid a real client uses for `request` (ping -2, auth -4, setWatches -8), else `next`. */
export function xidFor(request: ClientRequest, next: number): number {
  if (request.op === 'ping') return Xid.ping
  if (request.op === 'auth') return Xid.auth
  if (request.op === 'setWatches' || request.op === 'setWatches2') return Xid.setWatches
  return next
}

/** A whole request frame (4-byte length, RequestHeader, record), encoded by the project's codec. */
export function encodeFrame(xid: number, request: ClientRequest): Uint8Array {
  const w = new JuteWriter()
  writeRequestFrame(w, xid, request)
  return Uint8Array.from(w.finish())
}

// ---- mutations -----------------------------------------------------------------------------------

/** How a frame was damaged. The first six keep the frame's boundary; the rest break the framing or the header. */
export type MutationKind = 'flip' | 'truncate' | 'append' | 'int' | 'xid' | 'opcode' | 'unknownOpcode' | 'badLength' | 'misframe' | 'shortHeader'

const mutationWeights: readonly (readonly [MutationKind, number])[] = [
  ['flip', 26], ['truncate', 12], ['append', 8], ['int', 15], ['xid', 10], ['opcode', 12],
  ['unknownOpcode', 5], ['badLength', 4], ['misframe', 5], ['shortHeader', 3],
]
const interestingInts = [-1, -2, 0, 1, 3, 0x7fffffff, -0x80000000, maxBufferBytes, maxBufferBytes + 1, 1000]
/** Bogus xids; never -1, whose reply a client could not tell from a notification. */
const bogusXids = [0, -2, -3, -4, -8, 0x7fffffff, -0x80000000, 7]
const clientOpCodes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 100, 101, 102, 103, 104, 105, 106, 107, -11]
const unknownOpCodes = [0, -1, 10, 23, 99, 108, 999, -10, -12, 0x7fffffff]

/** A damaged frame. */
export interface Mutation {
  kind: MutationKind
  bytes: Uint8Array
}

/** Damages one whole frame (length prefix included) in one of the ways of {@link MutationKind}. */
export function mutate(rng: Prng, frame: Uint8Array): Mutation {
  const total = mutationWeights.reduce((s, [, w]) => s + w, 0)
  let roll = rng.next() * total
  let kind: MutationKind = 'flip'
  for (const [k, w] of mutationWeights) {
    if ((roll -= w) < 0) {
      kind = k
      break
    }
  }
  const b = Uint8Array.from(frame)
  const view = () => new DataView(b.buffer, b.byteOffset, b.byteLength)
  const body = b.length - 12
  const relength = (bytes: Uint8Array) => {
    new DataView(bytes.buffer, bytes.byteOffset).setInt32(0, bytes.length - 4)
    return bytes
  }
  if (body <= 0 && (kind === 'flip' || kind === 'truncate' || kind === 'int')) kind = 'append'
  switch (kind) {
    case 'flip':
      b[12 + rng.int(0, body - 1)]! ^= 1 << rng.int(0, 7)
      return { kind, bytes: b }
    case 'truncate':
      return { kind, bytes: relength(Uint8Array.from(b.subarray(0, 12 + rng.int(0, body - 1)))) }
    case 'append':
      return { kind, bytes: relength(Uint8Array.from([...b, ...Array.from({ length: rng.int(1, 16) }, () => rng.int(0, 255))])) }
    case 'int':
      if (body >= 4) view().setInt32(12 + rng.int(0, body - 4), rng.pick(interestingInts))
      else b[12]! ^= 0xff
      return { kind, bytes: b }
    case 'xid':
      view().setInt32(4, rng.pick(bogusXids))
      return { kind, bytes: b }
    case 'opcode':
      view().setInt32(8, rng.pick(clientOpCodes))
      return { kind, bytes: b }
    case 'unknownOpcode':
      view().setInt32(8, rng.pick(unknownOpCodes))
      return { kind, bytes: b }
    case 'badLength':
      view().setInt32(0, rng.pick([-1, -0x80000000, maxBufferBytes + 1, 0x7fffffff]))
      return { kind, bytes: b }
    case 'misframe':
      view().setInt32(0, Math.max(0, b.length - 4 + rng.pick([-4, -1, 1, 3, 8, 1000, 500_000])))
      return { kind, bytes: b }
    case 'shortHeader':
      return { kind, bytes: relength(Uint8Array.from({ length: 4 + rng.int(0, 7) }, () => rng.int(0, 255))) }
  }
}

// ---- the server's view ---------------------------------------------------------------------------

/**
 * What the server must do with one frame as it will frame our bytes: reply under `xid` (with `err`
 * when ZooKeeper's answer is fixed) and maybe close after it, or close with no reply.
 */
export interface Expected {
  /** Order on the connection, for messages. */
  n: number
  /** The xid of the reply; undefined when no reply comes. */
  xid: number | undefined
  /** The request the server decoded; undefined when the frame does not decode. */
  request: ClientRequest | undefined
  /** The error code the reply must carry, when fixed. */
  err: number | undefined
  /** no: the connection stays; after: closed right after the reply; instead: closed with no reply; maybe: closed after the reply if it is AUTHFAILED. */
  close: 'no' | 'after' | 'instead' | 'maybe'
  /** One of our frames, unmutated, on a stream still framed as we sent it. */
  exact: boolean
  /** The reply would carry xid -1, which a client cannot tell from a notification: checking stops there. */
  ambiguous: boolean
  /** How the frame was damaged, if it was. */
  mutation: MutationKind | undefined
  /** Global send order, set by the sender. */
  sendSeq: number
  /** The highest zxid of a write reply received before it was sent (set by the sender): a write it makes gets a larger one. */
  lo: number
}


/**
 * The server's view of one connection's byte stream: the project's FrameDecoder over exactly the
 * bytes we send, and each frame classified as ZooKeeper treats it — a bad length prefix or a
 * header shorter than 8 bytes closes the connection (NIOServerCnxn); an unknown opcode, check
 * outside multi (ZOOKEEPER-2623) and deleteContainer are answered UNIMPLEMENTED, then closed
 * (UnimplementedRequestProcessor); a body that does not decode is MARSHALLINGERROR and the
 * connection stays, except an auth or sasl packet, which ZooKeeperServer.processPacket reads itself
 * and closes on; a failed addauth is AUTHFAILED, then closed; closeSession is answered, then closed.
 */
export class ServerView {
  private readonly decoder = new FrameDecoder({ maxBufferBytes })
  private count = 0
  private bytesPushed = 0
  private bytesFramed = 0
  /** The server closes the connection on a bad length prefix; nothing after it is read. */
  failed = false

  /** The server is inside a frame: our next bytes continue it (counted from the bytes sent and framed). */
  get midFrame(): boolean {
    return this.bytesPushed !== this.bytesFramed
  }

  /**
   * Feeds the bytes of one frame as we meant it; returns what the server owes for every frame it
   * completes. A damaged length prefix is fed byte by byte, so that the frames completed before a
   * bad length are seen however TCP splits the stream.
   */
  feed(bytes: Uint8Array, mutation: MutationKind | undefined): Expected[] {
    if (this.failed) return []
    const aligned = !this.midFrame
    const out: Expected[] = []
    const pieces = mutation === 'misframe' || !aligned ? Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1)) : [bytes]
    for (const piece of pieces) {
      let frames: Uint8Array[]
      try {
        frames = this.decoder.push(piece)
      } catch {
        this.failed = true
        out.push(this.expected({ xid: undefined, request: undefined, err: undefined, close: 'instead' }, false, mutation))
        return out
      }
      this.bytesPushed += piece.length
      for (const frame of frames) {
        this.bytesFramed += 4 + frame.length
        out.push(this.classify(frame, aligned && mutation === undefined && frames.length === 1, mutation))
      }
    }
    return out
  }

  private expected(e: Pick<Expected, 'xid' | 'request' | 'err' | 'close'>, exact: boolean, mutation: MutationKind | undefined): Expected {
    return { ...e, n: ++this.count, exact, ambiguous: e.xid === Xid.notification, mutation, sendSeq: 0, lo: 0 }
  }

  private classify(frame: Uint8Array, exact: boolean, mutation: MutationKind | undefined): Expected {
    const none = { request: undefined, err: undefined }
    if (frame.length < 8) return this.expected({ xid: undefined, ...none, close: 'instead' }, exact, mutation)
    const header = new DataView(frame.buffer, frame.byteOffset, 8)
    const xid = header.getInt32(0)
    const type = header.getInt32(4)
    let request: ClientRequest
    try {
      request = decodeRequestFrame(frame, { maxBufferBytes }).request
    } catch (e) {
      if (!(e instanceof JuteDecodeError)) throw e
      if (e.reason === 'unknownOpCode') return this.expected({ xid, request: undefined, err: ErrorCode.UNIMPLEMENTED, close: 'after' }, exact, mutation)
      if (type === OpCode.auth || type === OpCode.sasl) return this.expected({ xid: undefined, ...none, close: 'instead' }, exact, mutation)
      return this.expected({ xid, request: undefined, err: ErrorCode.MARSHALLINGERROR, close: 'no' }, exact, mutation)
    }
    const reply = (close: Expected['close'], err?: number) => this.expected({ xid: request.op === 'ping' ? Xid.ping : xid, request, err, close }, exact, mutation)
    switch (request.op) {
      case 'check': case 'deleteContainer':
        return reply('after', ErrorCode.UNIMPLEMENTED)
      case 'closeSession':
        return reply('after')
      case 'auth': {
        if (request.scheme === 'ip') return reply('no', 0)
        if (request.scheme !== 'digest') return reply('after', ErrorCode.AUTHFAILED)
        const credential = new TextDecoder().decode(request.auth)
        // ZooKeeper's digest provider accepts any credential; Paddock refuses one without a colon.
        return credential.includes(':') ? reply('no', 0) : reply('maybe')
      }
      default:
        return reply('no')
    }
  }
}

// ---- replies -------------------------------------------------------------------------------------

const legalErrors: ReadonlySet<number> = new Set(Object.values(ErrorCode))
const legalEventTypes: ReadonlySet<number> = new Set(Object.values(EventType))

/** Where checks report what they found. */
export interface Findings {
  violation(what: string): void
}

/** Counters for the report. */
export interface ReplyStats {
  replies: number
  exactReplies: number
  notifications: number
  errors: Map<number, number>
}

/** Checks one connection's replies against what the server owes, in order, and feeds the model. */
export class ReplyChecker {
  private queue: Expected[] = []
  private head = 0
  /** A reply that closes the connection was received: the server must now close it. */
  closeOwed = false
  /** Highest zxid seen in replies to our own unmutated requests. */
  lastZxid = 0
  private lastZxidBy = ''
  /** The send sequence number after which this connection can submit nothing more (see {@link History.uncertain}). */
  readonly marker = { sendSeq: Infinity }

  constructor(
    private readonly label: string,
    private readonly history: History,
    private readonly findings: Findings,
    private readonly stats: ReplyStats,
  ) {}

  expect(e: Expected): void {
    this.queue.push(e)
  }

  /** The oldest expectation not yet met. */
  get front(): Expected | undefined {
    return this.queue[this.head]
  }

  /** Expectations not yet met. */
  get outstanding(): number {
    return this.queue.length - this.head
  }

  /** The server still owes a reply we can check. */
  get owesReply(): boolean {
    const f = this.front
    return f !== undefined && f.xid !== undefined && !f.ambiguous
  }

  /** The server still owes a close. */
  get owesClose(): boolean {
    return this.closeOwed || this.front?.close === 'instead'
  }

  private fail(what: string): void {
    this.findings.violation(`${this.label}: ${what}`)
  }

  /** One frame from the server. */
  frame(frame: Uint8Array): void {
    const r = new JuteReader(frame, { maxBufferBytes: 64 * 1_048_576 })
    let header: ReplyHeader
    try {
      header = readReplyHeader(r)
    } catch (e) {
      return this.fail(`undecodable reply header (${frame.length} bytes): ${String(e)}`)
    }
    const front = this.front
    if (header.xid === Xid.notification && front?.ambiguous !== true) return this.notification(header, r)
    if (this.closeOwed) return this.fail(`reply xid ${header.xid} after a reply that closes the connection`)
    if (front === undefined) return this.fail(`reply xid ${header.xid} err ${header.err} with no request outstanding`)
    if (front.ambiguous) return // Checking stopped at a reply that reads as a notification.
    if (front.xid === undefined) return this.fail(`reply xid ${header.xid} err ${header.err} where the connection must close (frame #${front.n}, ${front.mutation ?? 'unmutated'})`)
    this.head++
    this.stats.replies++
    if (header.xid !== front.xid) {
      return this.fail(`reply xid ${header.xid} (err ${header.err}) where xid ${front.xid} (${front.request?.op ?? 'undecodable'}, frame #${front.n}, ${front.mutation ?? 'unmutated'}) was owed`)
    }
    this.stats.errors.set(header.err, (this.stats.errors.get(header.err) ?? 0) + 1)
    if (!legalErrors.has(header.err)) this.fail(`reply xid ${header.xid} carries err ${header.err}, not a ZooKeeper error code`)
    if (front.err !== undefined && header.err !== front.err) this.fail(`${front.request?.op ?? 'undecodable frame'} xid ${header.xid} answered err ${header.err}, ZooKeeper answers ${front.err} (${front.mutation ?? 'unmutated'})`)
    if (front.close === 'after' || (front.close === 'maybe' && header.err === ErrorCode.AUTHFAILED)) this.closeOwed = true
    if (front.exact) this.exactReply(front, header)
    if (front.request !== undefined) this.body(front, front.request, header, r)
  }

  private exactReply(front: Expected, header: ReplyHeader): void {
    this.stats.exactReplies++
    // A session never sees the state go back (ClientCnxn keeps lastZxid from each reply); auth and
    // sasl replies carry zxid 0.
    if (header.zxid > 0) {
      if (header.zxid < this.lastZxid) this.fail(`${front.request?.op ?? `undecodable frame (err ${header.err})`} xid ${header.xid} has zxid 0x${header.zxid.toString(16)} after 0x${this.lastZxid.toString(16)} (${this.lastZxidBy})`)
      else {
        this.lastZxid = header.zxid
        this.lastZxidBy = `${front.request?.op ?? 'undecodable'} xid ${header.xid} err ${header.err}`
      }
    }
  }

  private notification(header: ReplyHeader, r: JuteReader): void {
    this.stats.notifications++
    try {
      const event = readWatcherEvent(r)
      if (!legalEventTypes.has(event.type) || event.type === EventType.None) this.fail(`notification of event type ${event.type}`)
      if (event.state !== KeeperState.SyncConnected) this.fail(`notification in state ${event.state}`)
      // No path check: setWatches may name any string, and DataTree.setWatches answers a path
      // with no node at once with NodeDeleted, so ZooKeeper echoes even invalid paths.
      if (header.err !== 0) this.fail(`notification with err ${header.err}`)
    } catch (e) {
      this.fail(`undecodable notification: ${String(e)}`)
    }
  }

  private body(front: Expected, request: ClientRequest, header: ReplyHeader, r: JuteReader): void {
    let response: ClientResponse | undefined
    if (header.err === 0) {
      try {
        response = readResponse(request.op, r)
      } catch (e) {
        return this.fail(`${request.op} xid ${header.xid}: undecodable response: ${String(e)}`)
      }
    }
    if (r.remaining !== 0) this.fail(`${request.op} xid ${header.xid} err ${header.err}: ${r.remaining} bytes after the response`)
    const problem = responseProblem(request, header, response)
    if (problem !== undefined) this.fail(`${request.op} xid ${header.xid}: ${problem}`)
    this.history.observe(request, header, response, front.sendSeq)
  }

  /** The connection closed: every request not answered may or may not have been applied; the model is told. */
  closed(): void {
    for (let i = this.head; i < this.queue.length; i++) {
      const e = this.queue[i]!
      if (e.request !== undefined) this.history.uncertain(e.request, e.lo, this.marker)
    }
  }

  /** From now on this connection can submit nothing more (it was closed, or its session resumed elsewhere). */
  sealed(sendSeq: number): void {
    this.marker.sendSeq = Math.min(this.marker.sendSeq, sendSeq)
  }

  /**
   * Whether a close by the server is one ZooKeeper would make here: after a reply that closes, or
   * instead of answering a frame that cannot be read (replies to frames before it may be lost).
   */
  closeJustified(): boolean {
    if (this.closeOwed) return true
    for (let i = this.head; i < this.queue.length; i++) if (this.queue[i]!.close === 'instead') return true
    return this.front?.ambiguous === true
  }
}

// Light per-reply sanity, with ZooKeeper's meaning of each field.
function responseProblem(request: ClientRequest, header: ReplyHeader, response: ClientResponse | undefined): string | undefined {
  if (response === undefined) return undefined
  const zxid = header.zxid
  switch (response.op) {
    case 'create': case 'create2': case 'createContainer': case 'createTTL': {
      const asked = (request as { path: string }).path
      if (!response.path.startsWith(asked)) return `created ${response.path} for ${asked}`
      if (response.op !== 'create' && (response.stat.czxid !== zxid || response.stat.mzxid !== zxid)) return `new node's czxid/mzxid ${response.stat.czxid}/${response.stat.mzxid} is not the reply zxid ${zxid}`
      return undefined
    }
    case 'setData':
      return response.stat.mzxid === zxid ? undefined : `stat.mzxid ${response.stat.mzxid} is not the reply zxid ${zxid}`
    case 'exists': case 'getData': case 'getACL': case 'getChildren2':
      return statProblem(response.stat, zxid)
    case 'multi':
      return multiProblem(request, response.results, zxid)
    case 'multiRead': {
      const ops = (request as { ops: { op: string }[] }).ops
      if (response.results.length !== ops.length) return `${response.results.length} results for ${ops.length} ops`
      const bad = response.results.findIndex((res, i) => res.op !== 'error' && res.op !== ops[i]!.op)
      return bad < 0 ? undefined : `result ${bad} is a ${response.results[bad]!.op} for a ${ops[bad]!.op}`
    }
    case 'getAllChildrenNumber':
      return response.totalNumber >= 0 ? undefined : `totalNumber ${response.totalNumber}`
    default:
      return undefined
  }
}

/** A Stat read at `zxid` cannot have been changed after it. */
function statProblem(stat: Stat, zxid: number): string | undefined {
  if (stat.mzxid > zxid || stat.czxid > stat.mzxid || stat.pzxid > zxid) return `stat czxid/mzxid/pzxid ${stat.czxid}/${stat.mzxid}/${stat.pzxid} read at zxid ${zxid}`
  // cversion may be negative: ZooKeeper reports -2 for /zookeeper, whose children were never created by a txn.
  if (stat.version < 0 || stat.aversion < 0 || stat.numChildren < 0 || stat.dataLength < 0) return `negative stat field ${JSON.stringify(stat, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`
  return undefined
}

// MultiResponse: all results succeed, or all are errors: 0 before the failed op, its code, then RUNTIMEINCONSISTENCY.
function multiProblem(request: ClientRequest, results: MultiResult[], zxid: number): string | undefined {
  const ops = (request as { ops: MultiOp[] }).ops
  if (results.length !== ops.length) return `${results.length} results for ${ops.length} ops`
  const errors = results.filter((r) => r.op === 'error').length
  if (errors === 0) {
    for (const res of results) if ((res.op === 'create2' && res.stat.czxid !== zxid) || (res.op === 'setData' && res.stat.mzxid !== zxid)) return `a result's stat is not at the multi's zxid ${zxid}`
    return undefined
  }
  if (errors !== results.length) return `${errors} of ${results.length} results are errors`
  const codes = results.map((r) => (r as { err: number }).err)
  const failed = codes.findIndex((c) => c !== 0)
  const shape = failed >= 0 && codes.every((c, i) => (i < failed ? c === 0 : i === failed ? legalErrors.has(c) && c !== ErrorCode.RUNTIMEINCONSISTENCY : c === ErrorCode.RUNTIMEINCONSISTENCY))
  return shape ? undefined : `failed multi's results ${codes.join(',')}`
}

// ---- the model -----------------------------------------------------------------------------------

/** One thing a reply says about a node at a zxid. */
type Fact =
  | { kind: 'exists'; path: string; exists: boolean }
  | { kind: 'children'; path: string; children: readonly string[] }

/** A step of what one reply tells, in order. */
type Step = { kind: 'create'; path: string; volatile: boolean } | { kind: 'delete'; path: string } | { kind: 'fact'; fact: Fact }

/** A write the server may have applied, at a zxid strictly between `lo` and the zxid `hi` resolves to. */
interface Unsure {
  targets: { path: string; create: boolean; volatile: boolean; sequential: boolean }[]
  lo: number
  /** Send sequence number after which the connection could submit nothing more (Infinity: unknown yet). */
  marker: { sendSeq: number }
}

/** A replay event: a reply's steps, or the opening and closing of an unsure write's window. */
type Event =
  | { kind: 'reply'; zxid: number; phase: 0 | 2; steps: Step[]; scratch: boolean; what: string }
  | { kind: 'open'; zxid: number; phase: 3; unsure: Unsure }
  | { kind: 'close'; zxid: number; phase: -1; unsure: Unsure }

function isSequentialFlag(flags: number): boolean {
  return flags === 2 || flags === 3 || flags === 6
}

/** Creates that make a node the server may remove on its own (ephemeral, container, TTL), or one whose kind is unclear. */
function isVolatileCreate(op: { op: string; flags: number }): boolean {
  return !((op.op === 'create' || op.op === 'create2') && (op.flags === 0 || op.flags === 2))
}

type CreateLike = Extract<ClientRequest, { op: 'create' | 'create2' | 'createContainer' | 'createTTL' }>

function isCreate(request: { op: string }): request is CreateLike {
  return request.op === 'create' || request.op === 'create2' || request.op === 'createContainer' || request.op === 'createTTL'
}

function isWrite(request: ClientRequest): boolean {
  return isCreate(request) || request.op === 'delete' || request.op === 'setData' || request.op === 'setACL' || request.op === 'multi'
}

const modelled = (path: string): boolean => pathProblem(path) === undefined && isAtOrBelow(path, fuzzRoot)

const EXISTS = 1
const ABSENT = 2

/** What the model knows of one path: which states are possible now, and what may still change them. */
class PathState {
  constructor(
    /** EXISTS | ABSENT bits. */
    public possible: number,
    /** Unsure writes whose window is open: the path may change at any zxid. */
    public pending = 0,
    /** The node, if it exists, is one the server may remove on its own. */
    public mayVanish = false,
  ) {}

  /** The states possible now, a vanishing node's absence included. */
  get effective(): number {
    return this.possible | (this.mayVanish && (this.possible & EXISTS) !== 0 ? ABSENT : 0)
  }
}

/** Path states with a child index (paths ever seen, by parent). */
class TreeModel {
  readonly states = new Map<string, PathState>()
  readonly children = new Map<string, Set<string>>()
  /** Prefixes of unsure sequential creates, with the zxid after which a node under them may exist. */
  readonly sequenceSince = new Map<string, number>()

  get(path: string): PathState {
    let state = this.states.get(path)
    if (state === undefined) {
      state = new PathState(ABSENT)
      this.states.set(path, state)
      const parent = parentPath(path)
      let set = this.children.get(parent)
      if (set === undefined) this.children.set(parent, (set = new Set()))
      set.add(path)
    }
    return state
  }

  /** Whether an unsure sequential create opened before `zxid` may have made `path`. */
  sequenced(path: string, zxid: number): boolean {
    for (const [prefix, since] of this.sequenceSince) if (since < zxid && path.startsWith(prefix) && /^\d{10}$/.test(path.slice(prefix.length))) return true
    return false
  }

  copy(): TreeModel {
    const model = new TreeModel()
    for (const [path, s] of this.states) model.states.set(path, new PathState(s.possible, s.pending, s.mayVanish))
    for (const [parent, set] of this.children) model.children.set(parent, new Set(set))
    for (const [prefix, since] of this.sequenceSince) model.sequenceSince.set(prefix, since)
    return model
  }
}

/**
 * Which znodes under /f exist, from what the replies said, replayed in zxid order at the end:
 * every successful write has its own zxid and was applied to the state all smaller zxids left; a
 * read (or a failed write) saw the state after its reply's zxid. A write never answered (its
 * connection closed) may have been applied at a zxid strictly between the last write reply
 * received before it was sent and the first write sent after its connection could submit nothing
 * more: inside that window its paths may be either way, and the next reply on them after the
 * window settles them again. Ephemeral, container and TTL nodes may vanish at any time (session
 * expiry, the container sweep), never appear.
 */
export class History {
  private readonly events: Event[] = []
  private readonly unsure: Unsure[] = []
  /** [send sequence number, zxid] of every successful write reply. */
  private readonly acks: [number, number][] = []
  /** The highest zxid of a successful write reply received so far: a write sent now gets a larger one. */
  maxWriteZxid = 0
  /** Facts checked, for the report. */
  checked = 0

  /** Records what one reply (to a request the server decoded, sent as number `sendSeq`) tells about the tree. */
  observe(request: ClientRequest, header: ReplyHeader, response: ClientResponse | undefined, sendSeq: number): void {
    const { zxid, err } = header
    if (err === 0 && zxid > 0 && isWrite(request) && !(request.op === 'multi' && response?.op === 'multi' && response.results.some((r) => r.op === 'error'))) {
      this.acks.push([sendSeq, zxid])
      if (zxid > this.maxWriteZxid) this.maxWriteZxid = zxid
    }
    const steps = this.steps(request, err, response)
    if (steps === undefined) return
    this.events.push({ kind: 'reply', zxid, phase: steps.write ? 0 : 2, steps: steps.steps, scratch: steps.scratch, what: `${steps.what} err ${err}` })
  }

  private steps(request: ClientRequest, err: number, response: ClientResponse | undefined): { steps: Step[]; write: boolean; scratch: boolean; what: string } | undefined {
    const exists = (path: string, value: boolean): Step => ({ kind: 'fact', fact: { kind: 'exists', path, exists: value } })
    const children = (path: string, names: readonly string[]): Step => ({ kind: 'fact', fact: { kind: 'children', path, children: names } })
    const read = (steps: Step[], what: string) => ({ steps, write: false, scratch: false, what })
    const pathFact = (path: string, e: number, what: string, existing: number[] = []) =>
      e === 0 || existing.includes(e) ? read([exists(path, true)], what) : e === ErrorCode.NONODE ? read([exists(path, false)], what) : undefined
    if (isCreate(request)) {
      const what = `${request.op} ${request.path}`
      if (err === 0 && response !== undefined && 'path' in response) {
        const path = response.path
        return { steps: [exists(path, false), exists(parentPath(path), true), { kind: 'create', path, volatile: isVolatileCreate(request) }], write: true, scratch: false, what }
      }
      if (isSequentialFlag(request.flags)) return undefined
      if (err === ErrorCode.NODEEXISTS) return read([exists(request.path, true)], what)
      if (err === ErrorCode.NONODE) return read([exists(parentPath(request.path), false)], what)
      return undefined
    }
    switch (request.op) {
      case 'delete':
        if (err === 0) return { steps: [exists(request.path, true), { kind: 'delete', path: request.path }], write: true, scratch: false, what: `delete ${request.path}` }
        return pathFact(request.path, err, `delete ${request.path}`, [ErrorCode.NOTEMPTY, ErrorCode.BADVERSION])
      case 'setData': case 'setACL':
        if (err === 0) return { steps: [exists(request.path, true)], write: true, scratch: false, what: `${request.op} ${request.path}` }
        return pathFact(request.path, err, `${request.op} ${request.path}`, [ErrorCode.BADVERSION])
      case 'exists': case 'getData': case 'getACL': case 'getAllChildrenNumber':
        return pathFact(request.path, err, `${request.op} ${request.path}`)
      case 'getChildren': case 'getChildren2':
        if (err === 0 && response !== undefined && 'children' in response) return read([exists(request.path, true), children(request.path, response.children)], `${request.op} ${request.path}`)
        return pathFact(request.path, err, `${request.op} ${request.path}`)
      case 'multiRead': {
        if (err !== 0 || response?.op !== 'multiRead') return undefined
        const steps: Step[] = []
        response.results.forEach((res, i) => {
          const op = request.ops[i]!
          if (res.op === 'error') steps.push(...(pathFact(op.path, res.err, '')?.steps ?? []))
          else steps.push(exists(op.path, true), ...(res.op === 'getChildren' ? [children(op.path, res.children)] : []))
        })
        return read(steps, `multiRead of ${request.ops.length}`)
      }
      case 'multi':
        return err === 0 && response?.op === 'multi' ? this.multi(request.ops, response.results) : undefined
      default:
        return undefined
    }
  }

  // A successful multi applied its ops in order; a failed one ran the ops before the failed op (0)
  // and stopped at it, then rolled back: those steps run on a copy of the model.
  private multi(ops: readonly MultiOp[], results: readonly MultiResult[]): { steps: Step[]; write: boolean; scratch: boolean; what: string } {
    const steps: Step[] = []
    const failed = results.findIndex((r) => r.op === 'error' && r.err !== 0)
    const fact = (path: string, exists: boolean) => steps.push({ kind: 'fact', fact: { kind: 'exists', path, exists } })
    const last = failed < 0 ? ops.length : failed + 1
    for (let i = 0; i < last; i++) {
      const op = ops[i]!
      const res = results[i]!
      const err = res.op === 'error' ? res.err : 0
      if (isCreate(op)) {
        // A failed multi reports no path for the creates before the failure: a sequential one is unknown.
        const path = 'path' in res ? res.path : isSequentialFlag(op.flags) ? undefined : op.path
        if (err === 0 && path !== undefined) {
          fact(path, false)
          fact(parentPath(path), true)
          steps.push({ kind: 'create', path, volatile: isVolatileCreate(op) })
        } else if (err === ErrorCode.NODEEXISTS && !isSequentialFlag(op.flags)) fact(op.path, true)
        else if (err === ErrorCode.NONODE && !isSequentialFlag(op.flags)) fact(parentPath(op.path), false)
        continue
      }
      if (err === 0) {
        fact(op.path, true)
        if (op.op === 'delete') steps.push({ kind: 'delete', path: op.path })
      } else if (err === ErrorCode.NONODE) fact(op.path, false)
      else if (err === ErrorCode.BADVERSION || err === ErrorCode.NOTEMPTY) fact(op.path, true)
    }
    const what = `multi of ${ops.length} (${ops.map((o) => `${o.op} ${o.path}`).join('; ').slice(0, 300)})`
    return { steps, write: failed < 0, scratch: failed >= 0, what }
  }

  /**
   * A write sent as number `sendSeq`, after a write reply with zxid `lo`, was never answered: it
   * may have been applied. `marker.sendSeq` is set once its connection can submit nothing more.
   */
  uncertain(request: ClientRequest, lo: number, marker: { sendSeq: number }): void {
    const ops: { op: string; path: string }[] = request.op === 'multi' ? [...request.ops] : [request as { op: string; path: string }]
    const targets: Unsure['targets'] = []
    for (const op of ops) {
      if (isCreate(op)) targets.push({ path: op.path, create: true, volatile: isVolatileCreate(op), sequential: isSequentialFlag(op.flags) })
      else if (op.op === 'delete') targets.push({ path: op.path, create: false, volatile: false, sequential: false })
    }
    if (targets.length > 0) this.unsure.push({ targets, lo, marker })
  }

  /** The smallest zxid of a successful write sent after send number `sendSeq` (Infinity if none). */
  private windowEnds(): (sendSeq: number) => number {
    const acks = [...this.acks].sort((a, b) => a[0] - b[0])
    const suffixMin = new Array<number>(acks.length + 1).fill(Infinity)
    for (let i = acks.length - 1; i >= 0; i--) suffixMin[i] = Math.min(acks[i]![1], suffixMin[i + 1]!)
    return (sendSeq) => {
      let lo = 0
      let hi = acks.length
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (acks[mid]![0] <= sendSeq) lo = mid + 1
        else hi = mid
      }
      return suffixMin[lo]!
    }
  }

  /**
   * Replays every reply in zxid order against the model, then compares the model with the final
   * tree (`finalNodes`, every node under /f a fresh client could list; `unreadable`, nodes whose
   * children it could not read). Returns the violations found.
   */
  check(finalNodes: ReadonlySet<string>, unreadable: ReadonlySet<string>): string[] {
    const problems: string[] = []
    const zxids = new Set<number>()
    for (const e of this.events) {
      if (e.kind !== 'reply' || e.phase !== 0) continue
      if (zxids.has(e.zxid)) problems.push(`two successful writes share zxid 0x${e.zxid.toString(16)} (${e.what})`)
      zxids.add(e.zxid)
    }
    const end = this.windowEnds()
    const events: Event[] = [...this.events]
    for (const unsure of this.unsure) {
      events.push({ kind: 'open', zxid: unsure.lo, phase: 3, unsure })
      const hi = end(unsure.marker.sendSeq)
      if (hi !== Infinity) events.push({ kind: 'close', zxid: hi, phase: -1, unsure })
    }
    events.sort((a, b) => a.zxid - b.zxid || a.phase - b.phase)
    const model = new TreeModel()
    model.get(fuzzRoot).possible = EXISTS
    for (const e of events) {
      if (e.kind === 'open') this.open(model, e.unsure)
      else if (e.kind === 'close') this.close(model, e.unsure)
      else this.replay(e.scratch ? model.copy() : model, e, problems)
      if (problems.length > 50) return problems
    }
    this.checkFinal(model, finalNodes, unreadable, problems)
    return problems
  }

  private open(model: TreeModel, unsure: Unsure): void {
    for (const t of unsure.targets) {
      if (t.sequential) {
        if (!model.sequenceSince.has(t.path)) model.sequenceSince.set(t.path, unsure.lo)
        continue
      }
      const s = model.get(t.path)
      s.pending++
      s.possible |= t.create ? EXISTS : ABSENT
      if (t.create && t.volatile) s.mayVanish = true
    }
  }

  private close(model: TreeModel, unsure: Unsure): void {
    for (const t of unsure.targets) if (!t.sequential) model.get(t.path).pending--
  }

  private replay(model: TreeModel, e: Extract<Event, { kind: 'reply' }>, problems: string[]): void {
    for (const step of e.steps) {
      if (step.kind === 'fact') {
        if (step.fact.kind === 'exists') this.fact(model, step.fact.path, step.fact.exists, e, problems)
        else this.children(model, step.fact.path, step.fact.children, e, problems)
        continue
      }
      if (!modelled(step.path)) continue
      const s = model.get(step.path)
      if (s.pending > 0) {
        s.possible = EXISTS | ABSENT
        if (step.kind === 'create' && step.volatile) s.mayVanish = true
      } else {
        s.possible = step.kind === 'create' ? EXISTS : ABSENT
        s.mayVanish = step.kind === 'create' && step.volatile
      }
    }
  }

  /** Checks that `path` may exist (or not) now, and settles it when no unsure write is pending. */
  private fact(model: TreeModel, path: string, exists: boolean, e: { zxid: number; what: string }, problems: string[]): void {
    if (!modelled(path) || model.sequenced(path, e.zxid)) return
    const s = model.get(path)
    this.checked++
    if ((s.effective & (exists ? EXISTS : ABSENT)) === 0) {
      problems.push(`at zxid 0x${e.zxid.toString(16)} ${e.what}: ${path} ${exists ? 'exists' : 'is absent'}, but the replies before it say it ${exists ? 'cannot exist' : 'must exist'}`)
    }
    if (s.pending > 0) return
    s.possible = exists ? EXISTS : ABSENT
    if (!exists) s.mayVanish = false
  }

  private children(model: TreeModel, path: string, names: readonly string[], e: { zxid: number; what: string }, problems: string[]): void {
    if (!modelled(path)) return
    const listed = new Set(names.map((c) => `${path}/${c}`))
    for (const child of listed) this.fact(model, child, true, e, problems)
    for (const child of [...(model.children.get(path) ?? [])]) if (!listed.has(child)) this.fact(model, child, false, e, problems)
  }

  private checkFinal(model: TreeModel, finalNodes: ReadonlySet<string>, unreadable: ReadonlySet<string>, problems: string[]): void {
    const at = { zxid: Infinity, what: 'the final tree' }
    const hidden = (path: string) => [...unreadable].some((u) => path !== u && isAtOrBelow(path, u))
    for (const path of finalNodes) this.fact(model, path, true, at, problems)
    for (const path of [...model.states.keys()]) if (!finalNodes.has(path) && !hidden(path)) this.fact(model, path, false, at, problems)
  }
}
