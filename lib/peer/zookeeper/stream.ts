/**
 * Reading records off a ZooKeeper member's TCP stream. ZooKeeper's peer streams have no frame of
 * their own around a record: the election port starts with an initial message and then sends
 * length-prefixed notifications, and the quorum port is a bare sequence of jute `QuorumPacket`s.
 * So a record is complete when its decoder stops asking for bytes: {@link readFromStream} runs a
 * decoder over the bytes buffered so far and takes a `truncated` {@link JuteDecodeError} as "not
 * yet", every other one as hostile input. {@link ZkStreamBuffer} keeps the chunks in between,
 * bounded. Pure: bytes in, records out, no socket.
 * @module
 */
import { JuteDecodeError, JuteReader } from '../../wire/jute.js'

/** A record read from the front of a stream, and how many bytes it took. */
export interface StreamRecord<T> {
  /** The decoded record. */
  readonly value: T
  /** Bytes of the stream the record took, its length prefix included. */
  readonly bytes: number
}

/** Decodes one record with a {@link JuteReader}; throws {@link JuteDecodeError} for bad input. */
export type StreamDecoder<T> = (reader: JuteReader) => T

/**
 * Runs `decode` over the front of `bytes`. Returns undefined when the bytes end inside the record
 * (wait for more), the record and its size when it is whole; throws {@link JuteDecodeError} when
 * the bytes cannot start a valid record, however many follow.
 * @param maxBufferBytes - Largest jute `buffer`, `ustring` or vector the record may hold, in bytes.
 */
export function readFromStream<T>(bytes: Uint8Array, decode: StreamDecoder<T>, maxBufferBytes?: number): StreamRecord<T> | undefined {
  const reader = new JuteReader(bytes, maxBufferBytes === undefined ? {} : { maxBufferBytes })
  try {
    const value = decode(reader)
    return { value, bytes: reader.offset }
  } catch (error) {
    if (error instanceof JuteDecodeError && error.reason === 'truncated') return undefined
    throw error
  }
}

/**
 * The bytes of one peer stream not yet decoded. A record is tried once per {@link ZkStreamBuffer.next}
 * over all buffered bytes, joined; a record still incomplete when {@link ZkStreamBuffer.bytesMax}
 * bytes are buffered throws {@link JuteDecodeError} `frameLength`, so one peer holds at most that
 * bound plus one socket chunk. (A record arriving in many chunks is joined once per chunk: for the
 * 2 MiB packets of the quorum port that is a few dozen copies, a price for keeping it simple.)
 */
export class ZkStreamBuffer {
  private chunks: Uint8Array[] = []
  private size = 0

  /**
   * @param bytesMax - Largest incomplete record kept, in bytes; changed as the stream moves from
   * its initial message to its records.
   */
  constructor(public bytesMax: number) {}

  /** Bytes buffered and not yet taken by a record. */
  get buffered(): number {
    return this.size
  }

  /** Keeps the next chunk of the stream; records are taken by {@link ZkStreamBuffer.next}. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return
    this.chunks.push(chunk)
    this.size += chunk.length
  }

  /** The first `length` bytes buffered, left in place; undefined until that many have arrived. */
  peek(length: number): Uint8Array | undefined {
    if (this.size === 0 || this.size < length) return undefined
    return this.joined().subarray(0, length)
  }

  /**
   * The next whole record, or undefined until its last byte has arrived. Throws
   * {@link JuteDecodeError} for a record that can never be valid, and `frameLength` when an
   * incomplete record already fills {@link ZkStreamBuffer.bytesMax}.
   */
  next<T>(decode: StreamDecoder<T>, maxBufferBytes?: number): T | undefined {
    if (this.size === 0) return undefined
    const bytes = this.joined()
    const record = readFromStream(bytes, decode, maxBufferBytes)
    if (record === undefined) {
      if (this.size >= this.bytesMax) {
        throw new JuteDecodeError('frameLength', `an incomplete peer record fills ${this.size} bytes, the bound is ${this.bytesMax}`)
      }
      return undefined
    }
    // A record of no bytes would be taken forever by a caller's loop: a decoder's bug, not input.
    if (record.bytes === 0) throw new TypeError('ZkStreamBuffer.next: the decoder read no bytes')
    const rest = bytes.subarray(record.bytes)
    this.chunks = rest.length === 0 ? [] : [rest]
    this.size = rest.length
    return record.value
  }

  private joined(): Uint8Array {
    if (this.chunks.length > 1) {
      const all = new Uint8Array(this.size)
      let at = 0
      for (const chunk of this.chunks) {
        all.set(chunk, at)
        at += chunk.length
      }
      this.chunks = [all]
    }
    return this.chunks[0] as Uint8Array
  }
}
