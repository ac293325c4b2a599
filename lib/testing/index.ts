/**
 * Paddock's testing kit (`paddock/testing`): an in-process ZooKeeper-compatible server on a
 * virtual clock, with fault injection, for testing code that depends on ZooKeeper.
 * @module paddock/testing
 */
export { TestingServer, virtualClockStartMsDefault } from './testing-server.js'
export type { TestingServerOptions } from './testing-server.js'
export { nextSessionEvent, settle } from './wait.js'
export { eventTimeoutMsDefault } from '../limits.js'
export { TestingCluster } from './testing-cluster.js'
export type { TestingClusterOptions } from './testing-cluster.js'
