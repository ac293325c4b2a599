/**
 * Paddock's recipes: locks, leader election, barriers, queues, counters, caches, kept nodes,
 * group membership and service discovery on any ZooKeeperClient (in-process or TCP), laid out
 * as Apache Curator lays them out where that lets Java and Node services share them. See
 * docs/recipes.md.
 * @module paddock/recipes
 */
export type { InterProcessLock, Lease } from './lease.js'
export { Lock, attemptRevoke, curatorLockName, curatorRevokeMessage, isRevokeMessage, kazooLockName } from './lock.js'
export { MultiLock } from './multi-lock.js'
export type { LockLayout, LockOptions } from './lock.js'
export { LeaderLatch, LeaderElection, curatorLatchName, electionParticipants } from './leader.js'
export type { IsLeaderEvent, LeaderElectionOptions, LeaderLatchState, LeaderOptions, LeadershipEvent, NotLeaderEvent, Participant, TakeLeadership } from './leader.js'
export { ReadWriteLock, curatorReadLockName, curatorWriteLockName } from './read-write-lock.js'
export type { ReadWriteLockOptions } from './read-write-lock.js'
export { Semaphore, SemaphoreMutex, curatorLeaseName } from './semaphore.js'
export type { SemaphoreOptions } from './semaphore.js'
export { Barrier, DoubleBarrier, readyNodeName } from './barrier.js'
export {
  DistributedDelayQueue,
  DistributedIdQueue,
  DistributedPriorityQueue,
  DistributedQueue,
  decodeQueueItems,
  delayEpochOf,
  delayInfix,
  encodeQueueItems,
  idInfix,
  parseIdName,
  priorityInfix,
  queueEnvelopeVersion,
  queueItemName,
} from './queue.js'
export type { DelayQueueOptions, IdName } from './queue.js'
export { SharedCount, decodeSharedCount, encodeSharedCount } from './shared-count.js'
export { SharedCounter, decodeCounter, encodeCounter } from './counter.js'
export { casAttemptsMax } from '../limits.js'
export type { VersionedValue } from './counter.js'
export { NodeCache, TreeCache } from './cache.js'
export type { ChildData, TreeCacheErrorEvent, TreeCacheEvent, TreeCacheInitializedEvent, TreeCacheNodeEvent, TreeCacheOptions } from './cache.js'
export { CuratorCache, PathChildrenCache } from './curator-cache.js'
export type {
  CuratorCacheChangedEvent,
  CuratorCacheCreatedEvent,
  CuratorCacheDeletedEvent,
  CuratorCacheEvent,
  CuratorCacheInitializedEvent,
  CuratorCacheOptions,
  PathChildrenCacheChildEvent,
  PathChildrenCacheEvent,
  PathChildrenCacheInitializedEvent,
} from './curator-cache.js'
export { PersistentNode, PersistentTtlNode, ttlTouchNodeName } from './persistent-node.js'
export type { PersistentNodeOptions, PersistentTtlNodeOptions } from './persistent-node.js'
export { GroupMember } from './group-member.js'
export type { GroupMemberOptions } from './group-member.js'
export { ServiceCache, ServiceDiscovery } from './discovery.js'
export type { Registration, ServiceDiscoveryOptions, ServiceInstance, ServiceRegistration, ServiceType } from './discovery.js'
