/**
 * The connection initiation message of ZooKeeper's election port, as 3.8's QuorumCnxManager
 * writes it (`startConnection`) and reads it (`handleConnection`, `InitialMessage.parse`):
 *
 * ```
 * long protocolVersion   PROTOCOL_VERSION_V1 (-65536) or, with multiAddress enabled, V2 (-65535)
 * long sid               the dialling member's id
 * int  length            1..2048 (QuorumCnxManager.maxBuffer)
 * byte address[length]   "host:port" (V1) or "host:port|host:port|..." (V2), IPv6 hosts in brackets
 * ```
 *
 * A first long of 0 or more is the form before 3.5 (ZOOKEEPER-107): that long is the sid and
 * nothing follows. After the message the dialled member keeps the connection only when the
 * dialler's sid is larger; otherwise it closes it and dials back (see {@link keepsConnection}).
 * @module
 */
import { zkInitialMessageAddressBytesMax } from '../../limits.js'
import { decodeJavaUtf8, JuteDecodeError, JuteWriter, type JuteReader } from '../../wire/jute.js'

/** The protocol version sent since 3.5.0 (ZOOKEEPER-107), and by 3.8 unless multiAddress is enabled. */
export const PROTOCOL_VERSION_V1 = -65536n

/** The protocol version of ZOOKEEPER-3188 (3.6.0): several election addresses, `|`-separated. */
export const PROTOCOL_VERSION_V2 = -65535n

/** The sid an observer without one announces (QuorumPeer.OBSERVER_ID, Long.MAX_VALUE). */
export const OBSERVER_ID = 0x7fff_ffff_ffff_ffffn

/** One election address of an initial message. */
export interface ElectionAddress {
  /** Host name or IP address, IPv6 without brackets. */
  readonly host: string
  /** The election port, 0..65535. */
  readonly port: number
}

/** A decoded (or to be encoded) connection initiation message. */
export interface InitialMessage {
  /**
   * {@link PROTOCOL_VERSION_V1} or {@link PROTOCOL_VERSION_V2}; undefined for the pre-3.5 form,
   * which carries the sid alone (and is never written by this codec).
   */
  readonly protocolVersion: typeof PROTOCOL_VERSION_V1 | typeof PROTOCOL_VERSION_V2 | undefined
  /** The dialling member's id (a jute long, kept exact). */
  readonly sid: bigint
  /**
   * Its election addresses, in order. ZooKeeper skips wildcard hosts (0.0.0.0, ::) when it dials
   * back; that choice is the caller's, so they are kept here.
   */
  readonly addresses: readonly ElectionAddress[]
}

/** Bytes of the message before its address text: two longs and the length int. */
export const initialMessageHeaderBytes = 20

/**
 * Whether the dialled member `mySid` keeps a connection dialled by `sid`: only when the dialler's
 * sid is larger (QuorumCnxManager.handleConnection; the dialler, in startConnection, drops its own
 * connection to a larger sid the same way). So between two members the larger one's dial wins.
 */
export function keepsConnection(mySid: bigint, sid: bigint): boolean {
  return sid > mySid
}

/** Formats one address as NetUtils.formatInetAddr does: `host:port`, `[v6]:port`. */
function formatAddress(address: ElectionAddress): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host
  return `${host}:${address.port}`
}

/**
 * Encodes an initial message. Throws a TypeError for a message ZooKeeper would refuse: no
 * protocol version, no address (V1 takes exactly one), or address text over 2048 bytes.
 */
export function encodeInitialMessage(message: InitialMessage): Uint8Array {
  const { protocolVersion, sid, addresses } = message
  if (protocolVersion === undefined) throw new TypeError('encodeInitialMessage: the pre-3.5 form is not written')
  if (addresses.length === 0 || (protocolVersion === PROTOCOL_VERSION_V1 && addresses.length !== 1)) {
    throw new TypeError(`encodeInitialMessage: ${addresses.length} addresses for protocol version ${protocolVersion}`)
  }
  for (const a of addresses) {
    if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535 || a.host === '' || a.host.includes('|')) {
      throw new TypeError(`encodeInitialMessage: bad address ${a.host}:${a.port}`)
    }
  }
  const text = new TextEncoder().encode(addresses.map(formatAddress).join('|'))
  if (text.length > zkInitialMessageAddressBytesMax) {
    throw new TypeError(`encodeInitialMessage: address text of ${text.length} bytes is over ${zkInitialMessageAddressBytesMax}`)
  }
  const w = new JuteWriter({ slabBytes: initialMessageHeaderBytes + text.length })
  w.writeLong(protocolVersion).writeLong(sid).writeBuffer(text)
  return Uint8Array.from(w.finish())
}

/**
 * Reads an initial message from the front of a stream (for {@link readFromStream} or
 * {@link ZkStreamBuffer.next}). Throws {@link JuteDecodeError}: `invalid` for an unknown protocol
 * version or a badly formed address, `badLength` for an address length outside 1..2048.
 */
export function readInitialMessage(r: JuteReader): InitialMessage {
  const first = r.readLong('InitialMessage.protocolVersion')
  if (first >= 0n) return { protocolVersion: undefined, sid: first, addresses: [] }
  if (first !== PROTOCOL_VERSION_V1 && first !== PROTOCOL_VERSION_V2) {
    throw new JuteDecodeError('invalid', `unrecognized protocol version ${first} in an initial message`)
  }
  const sid = r.readLong('InitialMessage.sid')
  const length = r.readInt('InitialMessage.length')
  if (length <= 0 || length > zkInitialMessageAddressBytesMax) {
    throw new JuteDecodeError('badLength', `unreasonable address length ${length} in an initial message (1..${zkInitialMessageAddressBytesMax})`)
  }
  const text = r.readBytes(length, 'InitialMessage.address')
  return { protocolVersion: first, sid, addresses: parseAddresses(decodeJavaUtf8(text, 0, text.length)) }
}

/** Java's `String.split`: the pieces between separators, trailing empty pieces dropped. */
function javaSplit(text: string, separator: string): string[] {
  const pieces = text.split(separator)
  while (pieces.length > 0 && pieces[pieces.length - 1] === '') pieces.pop()
  return pieces
}

/** Splits `host:port|host:port` as InitialMessage.parse does with ConfigUtils.getHostAndPort. */
function parseAddresses(text: string): ElectionAddress[] {
  return javaSplit(text, '|').map(parseAddress)
}

function parseAddress(text: string): ElectionAddress {
  let host: string
  let port: string | undefined
  if (text.startsWith('[')) {
    const close = text.indexOf(']:')
    if (close < 0) throw new JuteDecodeError('invalid', `badly formed address in an initial message: ${JSON.stringify(text)}`)
    host = text.slice(1, close)
    const rest = javaSplit(text.slice(close + 2), ':')
    if (rest.length !== 1) throw new JuteDecodeError('invalid', `badly formed address in an initial message: ${JSON.stringify(text)}`)
    port = rest[0]
  } else {
    const parts = javaSplit(text, ':')
    if (parts.length !== 2) throw new JuteDecodeError('invalid', `badly formed address in an initial message: ${JSON.stringify(text)}`)
    ;[host, port] = parts as [string, string]
  }
  // Stricter than Integer.parseInt (no sign): a port is 0..65535, as InetSocketAddress demands.
  const value = port !== undefined && /^\d{1,5}$/.test(port) ? Number(port) : -1
  if (value < 0 || value > 65535) throw new JuteDecodeError('invalid', `bad port number in an initial message: ${JSON.stringify(port)}`)
  return { host, port: value }
}
