// Method: register watches through in-process clients, make changes from another session, and
// check which callbacks fire, how often, and in what order relative to read results.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { WatchedEvent, ZooKeeperClient } from '../../../lib/index.js'
import { flush, startServer, type Server } from './helpers.js'

let server: Server
let watcher: ZooKeeperClient
let writer: ZooKeeperClient
let events: string[]
const record = (e: WatchedEvent) => void events.push(`${e.type} ${e.path}`)

beforeEach(async () => {
  ;({ server } = await startServer())
  watcher = await server.connect()
  writer = await server.connect()
  events = []
})
afterEach(async () => {
  await server.close()
})

describe('one-shot watches', () => {
  it('fires a data watch once, on the first change only', async () => {
    await writer.create('/a', 'v0')
    await watcher.getData('/a', { watch: record })
    await writer.setData('/a', 'v1')
    await writer.setData('/a', 'v2')
    await flush()
    expect(events).toEqual(['NodeDataChanged /a'])
  })

  it('fires NodeCreated for an exists watch left on a missing node', async () => {
    expect(await watcher.exists('/later', { watch: record })).toBeNull()
    await writer.create('/later')
    await flush()
    expect(events).toEqual(['NodeCreated /later'])
  })

  it('fires NodeChildrenChanged for a child watch on create and on delete of a child', async () => {
    await writer.create('/p')
    await watcher.getChildren('/p', { watch: record })
    await writer.create('/p/c')
    await watcher.getChildren('/p', { watch: record })
    await writer.delete('/p/c')
    await writer.setData('/p', 'not a child change')
    await flush()
    expect(events).toEqual(['NodeChildrenChanged /p', 'NodeChildrenChanged /p'])
  })

  it('fires NodeDeleted to data and child watches of a deleted node, once per callback', async () => {
    await writer.create('/d')
    await watcher.getData('/d', { watch: record })
    await watcher.getChildren('/d', { watch: record })
    await writer.delete('/d')
    await flush()
    // The same callback registered as data and child watch hears NodeDeleted once.
    expect(events).toEqual(['NodeDeleted /d'])
  })

  it('leaves no watch when getData fails with NONODE', async () => {
    await expect(watcher.getData('/nope', { watch: record })).rejects.toMatchObject({ code: 'NONODE' })
    await writer.create('/nope')
    await flush()
    expect(events).toEqual([])
  })

  it('calls every callback registered for the same change', async () => {
    await writer.create('/a')
    const other: string[] = []
    await watcher.getData('/a', { watch: record })
    await watcher.exists('/a', { watch: (e) => other.push(e.type) })
    await writer.setData('/a', 'x')
    await flush()
    expect(events).toEqual(['NodeDataChanged /a'])
    expect(other).toEqual(['NodeDataChanged'])
  })

  it('delivers the event before the result of a later read that sees the change', async () => {
    await writer.create('/a', 'old')
    const order: string[] = []
    await watcher.getData('/a', { watch: () => order.push('event') })
    await writer.setData('/a', 'new')
    const { data } = await watcher.getData('/a')
    order.push(`read ${new TextDecoder().decode(data)}`)
    expect(order).toEqual(['event', 'read new'])
  })

  it('fires in zxid order across paths', async () => {
    for (const p of ['/x', '/y', '/z']) {
      await writer.create(p)
      await watcher.getData(p, { watch: record })
    }
    await writer.multi([
      { op: 'setData', path: '/z', data: '1' },
      { op: 'setData', path: '/x', data: '1' },
    ])
    await writer.setData('/y', '1')
    await flush()
    expect(events).toEqual(['NodeDataChanged /z', 'NodeDataChanged /x', 'NodeDataChanged /y'])
  })

  it('fires nothing for a failed multi', async () => {
    await writer.create('/a')
    await watcher.getData('/a', { watch: record })
    await expect(writer.multi([{ op: 'setData', path: '/a', data: 'x' }, { op: 'check', path: '/a', version: 9 }])).rejects.toMatchObject({ code: 'BADVERSION' })
    await flush()
    expect(events).toEqual([])
  })
})

describe('persistent and recursive watches', () => {
  it('fires a persistent watch on every change of the node, children changes included', async () => {
    await writer.create('/p')
    await watcher.addWatch('/p', record, 'persistent')
    await writer.setData('/p', '1')
    await writer.create('/p/c')
    await writer.setData('/p/c', 'grandchild data is not the node')
    await writer.setData('/p', '2')
    await flush()
    expect(events).toEqual(['NodeDataChanged /p', 'NodeChildrenChanged /p', 'NodeDataChanged /p'])
  })

  it('fires a recursive watch for the subtree, without NodeChildrenChanged', async () => {
    await watcher.addWatch('/r', record, 'persistentRecursive')
    await writer.create('/r')
    await writer.create('/r/a')
    await writer.create('/r/a/b', 'x')
    await writer.setData('/r/a/b', 'y')
    await writer.delete('/r/a/b')
    await writer.create('/other')
    await flush()
    expect(events).toEqual(['NodeCreated /r', 'NodeCreated /r/a', 'NodeCreated /r/a/b', 'NodeDataChanged /r/a/b', 'NodeDeleted /r/a/b'])
  })

  it('stops firing after removeWatches, and answers NOWATCHER when there is none', async () => {
    await writer.create('/p')
    await watcher.addWatch('/p', record, 'persistent')
    await watcher.removeWatches('/p', 'any')
    await writer.setData('/p', 'x')
    await flush()
    expect(events).toEqual([])
    await expect(watcher.removeWatches('/p', 'data')).rejects.toMatchObject({ code: 'NOWATCHER', errno: -121 })
  })

  it('removes a one-shot data watch with removeWatches', async () => {
    await writer.create('/a')
    await watcher.getData('/a', { watch: record })
    await watcher.removeWatches('/a', 'data', record)
    await writer.setData('/a', 'x')
    await flush()
    expect(events).toEqual([])
  })
})
