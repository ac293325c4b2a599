// Method: pin every protocol number to the value in apache/zookeeper@release-3.9.5 (ZooDefs, Watcher, CreateMode, ClientCnxn).

import { describe, expect, it } from 'vitest'
import { CreateMode, createModeInfo } from '../../../lib/protocol/create-mode.js'
import { Perms } from '../../../lib/protocol/data.js'
import {
  AddWatchMode,
  EventType,
  KeeperState,
  OpCode,
  WatcherType,
  Xid,
  addWatchModeOf,
  eventTypeOf,
  opName,
  watcherTypeCodes,
  watcherTypeOf,
} from '../../../lib/protocol/opcodes.js'

describe('ZooDefs.OpCode', () => {
  it('numbers every opcode as ZooKeeper 3.9 does', () => {
    expect(OpCode).toEqual({
      notification: 0, create: 1, delete: 2, exists: 3, getData: 4, setData: 5, getACL: 6, setACL: 7,
      getChildren: 8, sync: 9, ping: 11, getChildren2: 12, check: 13, multi: 14, create2: 15, reconfig: 16,
      checkWatches: 17, removeWatches: 18, createContainer: 19, deleteContainer: 20, createTTL: 21, multiRead: 22,
      auth: 100, setWatches: 101, sasl: 102, getEphemerals: 103, getAllChildrenNumber: 104, setWatches2: 105,
      addWatch: 106, whoAmI: 107, createSession: -10, closeSession: -11, error: -1,
    })
  })

  it('maps numbers back to names, and unknown numbers to undefined', () => {
    expect(opName(12)).toBe('getChildren2')
    expect(opName(10)).toBeUndefined()
  })
})

describe('special xids, watcher constants, create modes, perms', () => {
  it('uses xid -1 notification, -2 ping, -4 auth, -8 setWatches (ClientCnxn)', () => {
    expect(Xid).toEqual({ notification: -1, ping: -2, auth: -4, setWatches: -8 })
  })

  it('numbers Watcher.Event.EventType and KeeperState', () => {
    expect(EventType).toEqual({
      None: -1, NodeCreated: 1, NodeDeleted: 2, NodeDataChanged: 3, NodeChildrenChanged: 4,
      DataWatchRemoved: 5, ChildWatchRemoved: 6, PersistentWatchRemoved: 7,
    })
    expect(KeeperState).toEqual({
      Unknown: -1, Disconnected: 0, NoSyncConnected: 1, SyncConnected: 3, AuthFailed: 4,
      ConnectedReadOnly: 5, SaslAuthenticated: 6, Expired: -112, Closed: 7,
    })
  })

  it('numbers WatcherType and AddWatchModes', () => {
    expect(WatcherType).toEqual({ Children: 1, Data: 2, Any: 3, Persistent: 4, PersistentRecursive: 5 })
    expect(AddWatchMode).toEqual({ persistent: 0, persistentRecursive: 1 })
  })

  it('maps watcher type, addWatch mode and event type names to their numbers and back', () => {
    expect(watcherTypeCodes).toEqual({ children: 1, data: 2, any: 3, persistent: 4, persistentRecursive: 5 })
    for (const [name, code] of Object.entries(watcherTypeCodes)) expect(watcherTypeOf(code)).toBe(name)
    expect(addWatchModeOf(0)).toBe('persistent')
    expect(addWatchModeOf(1)).toBe('persistentRecursive')
    expect(eventTypeOf(-1)).toBe('None')
    expect(eventTypeOf(4)).toBe('NodeChildrenChanged')
  })

  it('maps numbers ZooKeeper does not define to undefined (the server answers MARSHALLINGERROR)', () => {
    expect(watcherTypeOf(0)).toBeUndefined()
    expect(watcherTypeOf(6)).toBeUndefined()
    expect(addWatchModeOf(2)).toBeUndefined()
    expect(addWatchModeOf(-1)).toBeUndefined()
    expect(eventTypeOf(0)).toBeUndefined()
  })

  it('numbers CreateMode flags 0..6 with their ephemeral/sequential/container/ttl booleans', () => {
    expect(CreateMode).toEqual({
      PERSISTENT: 0, EPHEMERAL: 1, PERSISTENT_SEQUENTIAL: 2, EPHEMERAL_SEQUENTIAL: 3,
      CONTAINER: 4, PERSISTENT_WITH_TTL: 5, PERSISTENT_SEQUENTIAL_WITH_TTL: 6,
    })
    expect(createModeInfo(3)).toEqual({ name: 'EPHEMERAL_SEQUENTIAL', ephemeral: true, sequential: true, container: false, ttl: false })
    expect(createModeInfo(6)).toMatchObject({ sequential: true, ttl: true })
    expect(createModeInfo(7)).toBeUndefined()
    expect(createModeInfo(-1)).toBeUndefined()
  })

  it('uses Perms READ 1, WRITE 2, CREATE 4, DELETE 8, ADMIN 16, ALL 31', () => {
    expect(Perms).toEqual({ READ: 1, WRITE: 2, CREATE: 4, DELETE: 8, ADMIN: 16, ALL: 31 })
  })
})
