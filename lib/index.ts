/**
 * Paddock: a ZooKeeper-compatible coordination store that Node.js applications embed.
 * @module paddock
 */
export { ErrorCode, ZooKeeperError, errorCodeName, zkError } from './errors.js'
export type { ErrorCodeName, ZooKeeperErrorOptions } from './errors.js'
export { validatePath } from './path.js'
