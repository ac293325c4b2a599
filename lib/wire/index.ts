/**
 * The ZooKeeper client wire protocol codec: jute primitives, opcodes and constants, records,
 * requests, responses and framing. Pure: no sockets here (the client-port server builds on it).
 * @module
 */

export * from './jute.js'
export * from './opcodes.js'
export * from './records.js'
export * from './requests.js'
export * from './responses.js'
export * from './frames.js'
export * from './four-letter-words.js'
