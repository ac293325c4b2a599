/**
 * Framing of the client port: every message is a 4-byte big-endian length and that many bytes
 * (ZooKeeper `NIOServerCnxn` / `ClientCnxnSocket`). {@link FrameDecoder} turns socket chunks into
 * whole frames with bounded memory; the `write…Frame` helpers write whole frames for the socket.
 *
 * A connection whose first four bytes spell a four-letter word ("ruok") is not framed at all; the
 * server checks the first four bytes with {@link fourLetterWordOf} before feeding the decoder.
 * @module
 */

import { juteMaxBufferBytes } from '../limits.js'
import { JuteDecodeError, type JuteWriter } from './jute.js'
import type { ClientRequest, ClientResponse, WatcherEvent } from '../protocol/jute-records.js'
import { OpCode, Xid } from '../protocol/opcodes.js'
import {
  writeConnectRequest,
  writeConnectResponse,
  writeReplyHeader,
  writeRequestHeader,
  writeWatcherEvent,
  type ConnectRequest,
  type ConnectResponse,
  type ReplyHeader,
} from './records.js'
import { writeRequest } from './requests.js'
import { writeResponse } from './responses.js'

/** Options for {@link FrameDecoder}. */
export interface FrameDecoderOptions {
  /**
   * The largest frame payload accepted, in bytes (ZooKeeper's `jute.maxbuffer`).
   * @defaultValue `juteMaxBufferBytes` (0xfffff)
   */
  maxBufferBytes?: number
}

/**
 * Accumulates socket chunks and returns complete frame payloads (without the length prefix).
 *
 * A frame that lies whole inside one chunk is returned as a view of that chunk (no copy); a frame
 * split across chunks is assembled in a buffer allocated once its length is known and checked, so
 * memory held is at most one frame of `maxBufferBytes` plus 4 bytes. A length < 0 or over the
 * maximum throws {@link JuteDecodeError} `frameLength`; the decoder then refuses further input,
 * since the connection must be closed.
 */
export class FrameDecoder {
  private readonly maxBufferBytes: number
  private readonly header = new Uint8Array(4)
  private headerFill = 0
  private body: Uint8Array | null = null
  private bodyFill = 0
  private failed: JuteDecodeError | null = null

  /** Creates a decoder for one connection. */
  constructor(options: FrameDecoderOptions = {}) {
    this.maxBufferBytes = options.maxBufferBytes ?? juteMaxBufferBytes
  }

  /** Bytes received that belong to a frame not yet complete. */
  get buffered(): number {
    // Once the length prefix is read its 4 bytes count with the body, even before any body byte.
    return this.body === null ? this.headerFill : 4 + this.bodyFill
  }

  /**
   * Feeds one chunk; returns the frames it completed, in order (often none or one).
   * @throws {@link JuteDecodeError} `frameLength` for a bad length prefix (and on every call after).
   */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failed !== null) throw this.failed
    const frames: Uint8Array[] = []
    let off = 0
    const end = chunk.length
    while (off < end) {
      if (this.body !== null) {
        off = this.fillBody(chunk, off, frames)
        continue
      }
      let len: number
      if (this.headerFill === 0 && end - off >= 4) {
        len = (chunk[off]! << 24) | (chunk[off + 1]! << 16) | (chunk[off + 2]! << 8) | chunk[off + 3]!
        off += 4
      } else {
        const take = Math.min(4 - this.headerFill, end - off)
        this.header.set(chunk.subarray(off, off + take), this.headerFill)
        this.headerFill += take
        off += take
        if (this.headerFill < 4) break
        const h = this.header
        len = (h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!
        this.headerFill = 0
      }
      this.checkLength(len)
      if (end - off >= len) {
        frames.push(chunk.subarray(off, off + len))
        off += len
      } else {
        this.body = new Uint8Array(len)
        this.bodyFill = 0
      }
    }
    return frames
  }

  private fillBody(chunk: Uint8Array, off: number, frames: Uint8Array[]): number {
    const body = this.body!
    const take = Math.min(body.length - this.bodyFill, chunk.length - off)
    body.set(chunk.subarray(off, off + take), this.bodyFill)
    this.bodyFill += take
    if (this.bodyFill === body.length) {
      frames.push(body)
      this.body = null
      this.bodyFill = 0
    }
    return off + take
  }

  private checkLength(len: number): void {
    if (len >= 0 && len <= this.maxBufferBytes) return
    const word = fourLetterWordOfInt(len)
    const hint = word === undefined ? '' : ` (the four-letter word "${word}" after the first frame)`
    this.failed = new JuteDecodeError(
      'frameLength',
      `frame length ${len} is ${len < 0 ? 'negative' : `over jute.maxbuffer (${this.maxBufferBytes})`}${hint}`,
    )
    throw this.failed
  }
}

/** The four-letter words ZooKeeper 3.9 knows (`FourLetterCommands`). */
export const fourLetterWords = [
  'conf', 'cons', 'crst', 'dirs', 'dump', 'envi', 'gtmk', 'hash', 'isro',
  'mntr', 'ruok', 'srst', 'srvr', 'stat', 'stmk', 'wchc', 'wchp', 'wchs',
] as const

/** A four-letter word, for example `'ruok'`. */
export type FourLetterWord = (typeof fourLetterWords)[number]

const fourLetterWordsByInt = new Map<number, FourLetterWord>(
  fourLetterWords.map((w) => [((w.charCodeAt(0) << 24) | (w.charCodeAt(1) << 16) | (w.charCodeAt(2) << 8) | w.charCodeAt(3)), w]),
)

/** Returns the four-letter word whose ASCII bytes, read as a big-endian int32, equal `value`. */
export function fourLetterWordOfInt(value: number): FourLetterWord | undefined {
  return fourLetterWordsByInt.get(value)
}

/**
 * Returns the four-letter word that the first 4 bytes of a connection spell, or undefined (also
 * when fewer than 4 bytes have arrived: the caller waits for more). As ZooKeeper does, the bytes
 * are compared exactly ("RUOK" is not a command).
 */
export function fourLetterWordOf(firstBytes: Uint8Array): FourLetterWord | undefined {
  if (firstBytes.length < 4) return undefined
  const b = firstBytes
  return fourLetterWordOfInt((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!)
}

/** Writes a whole `ConnectResponse` frame (the server's first frame). */
export function writeConnectResponseFrame(w: JuteWriter, response: ConnectResponse): void {
  framed(w, () => writeConnectResponse(w, response))
}

/**
 * Writes one frame: its body, then its length. A body that throws (a field no record can hold)
 * leaves nothing of the frame behind, so the writer stays usable for the next one.
 */
function framed(w: JuteWriter, body: () => void): void {
  w.beginFrame()
  try {
    body()
  } catch (e) {
    w.abandonFrame()
    throw e
  }
  w.endFrame()
}

/** Writes a whole `ConnectRequest` frame (a client's first frame). */
export function writeConnectRequestFrame(w: JuteWriter, request: ConnectRequest): void {
  framed(w, () => writeConnectRequest(w, request))
}

/**
 * Writes a whole reply frame: `ReplyHeader` and, when given, the response record. ZooKeeper sends
 * no record when `header.err` is non-zero, so pass none then.
 */
export function writeReplyFrame(w: JuteWriter, header: ReplyHeader, response?: ClientResponse): void {
  framed(w, () => {
    writeReplyHeader(w, header)
    if (response !== undefined) writeResponse(w, response)
  })
}

/**
 * Writes a whole reply frame as {@link writeReplyFrame} does, unless its payload would be over
 * `payloadBytesMax`: then nothing is written and the answer is false. The response is encoded
 * before its size is known, so the caller bounds what it builds (reads.ts bounds multiRead).
 */
export function writeReplyFrameWithin(w: JuteWriter, header: ReplyHeader, response: ClientResponse | undefined, payloadBytesMax: number): boolean {
  w.beginFrame()
  try {
    writeReplyHeader(w, header)
    if (response !== undefined) writeResponse(w, response)
  } catch (e) {
    w.abandonFrame()
    throw e
  }
  if (w.frameBytes > payloadBytesMax) {
    w.abandonFrame()
    return false
  }
  w.endFrame()
  return true
}

/** Writes a whole notification frame: `ReplyHeader{xid -1, zxid, err 0}` and the `WatcherEvent`. */
export function writeNotificationFrame(w: JuteWriter, zxid: number, event: WatcherEvent): void {
  framed(w, () => {
    writeReplyHeader(w, { xid: Xid.notification, zxid, err: 0 })
    writeWatcherEvent(w, event)
  })
}

/** Writes a whole request frame: `RequestHeader{xid, opcode of request.op}` and the request record. */
export function writeRequestFrame(w: JuteWriter, xid: number, request: ClientRequest): void {
  framed(w, () => {
    writeRequestHeader(w, { xid, type: OpCode[request.op] })
    writeRequest(w, request)
  })
}
