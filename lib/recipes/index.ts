/**
 * Paddock's recipes: locks, leader election, barriers, queues, counters, caches and service
 * discovery on any ZooKeeperClient (in-process or TCP), laid out as Apache Curator lays
 * them out where that lets Java and Node services share them. See docs/recipes.md.
 * @module paddock/recipes
 */
export type { InterProcessLock, Lease } from './lease.js'
export { Lock, curatorLockName, kazooLockName } from './lock.js'
export type { LockLayout, LockOptions } from './lock.js'
export { LeaderLatch, LeaderElection, curatorLatchName, electionParticipants } from './leader.js'
export type { IsLeaderEvent, LeaderElectionOptions, LeaderLatchState, LeaderOptions, LeadershipEvent, NotLeaderEvent, Participant, TakeLeadership } from './leader.js'
export { ReadWriteLock, curatorReadLockName, curatorWriteLockName } from './read-write-lock.js'
export type { ReadWriteLockOptions } from './read-write-lock.js'
export { Semaphore, curatorLeaseName } from './semaphore.js'
export type { SemaphoreOptions } from './semaphore.js'
export { Barrier, DoubleBarrier, readyNodeName } from './barrier.js'
export { DistributedQueue, DistributedPriorityQueue, queueItemName } from './queue.js'
export { SharedCounter, decodeCounter, encodeCounter } from './counter.js'
export { casAttemptsMax } from '../limits.js'
export type { VersionedValue } from './counter.js'
export { NodeCache, TreeCache } from './cache.js'
export type { ChildData, TreeCacheErrorEvent, TreeCacheEvent, TreeCacheInitializedEvent, TreeCacheNodeEvent, TreeCacheOptions } from './cache.js'
export { ServiceCache, ServiceDiscovery } from './discovery.js'
export type { Registration, ServiceDiscoveryOptions, ServiceInstance, ServiceRegistration, ServiceType } from './discovery.js'
