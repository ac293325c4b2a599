/**
 * The ZooKeeper client wire protocol codec: jute primitives, records, requests, responses and
 * framing, plus (re-exported from lib/protocol) the opcodes and constants and the record types
 * the codec reads and writes. Pure: no sockets here (the client-port server builds on it).
 * @module
 */

export * from './jute.js'
export * from '../protocol/opcodes.js'
export type { ACL, ClientInfo, Id, Stat } from '../protocol/data.js'
export type * from '../protocol/jute-records.js'
export * from './records.js'
export * from './requests.js'
export * from './responses.js'
export * from './frames.js'
export * from './four-letter-words.js'
