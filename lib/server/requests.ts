/** Moved to lib/protocol (requests.ts, create-mode.ts, data.ts); kept while lib/server migrates. @module */
export * from '../protocol/requests.js'
export { CreateMode, type CreateModeValue } from '../protocol/create-mode.js'
export type { ClientInfo } from '../protocol/data.js'
