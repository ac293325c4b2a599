/**
 * The ZooKeeper client wire protocol codec: jute primitives, records, requests, responses and
 * framing. Pure: no sockets here (the client-port server builds on it). The opcodes, constants
 * and record types the codec reads and writes are defined in lib/protocol; import them from there.
 * @module
 */

export * from './jute.js'
export * from './records.js'
export * from './requests.js'
export * from './responses.js'
export * from './frames.js'
export * from './four-letter-words.js'
