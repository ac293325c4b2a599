// Method: node-zookeeper-client sessions make changes and record the watch events and multi results they receive, in arrival order, against each target.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultSettings, hookTimeoutMs, targets, type RunningServer } from './harness/targets.js'
import { withNzkServer } from './harness/fixtures.js'
import { connectNzk, failure, zookeeper, type NzkClient, type WatchEvent } from './harness/nzk.js'
import { EventQueue } from './harness/wait.js'

const { CreateMode } = zookeeper

/** jute opcodes of the results in a multi reply. */
const opcode = { create: 1, delete: 2, setData: 5, check: 13, error: -1 } as const

describe.each(targets)('$name: multi through node-zookeeper-client', (target) => {
  let client: NzkClient

  withNzkServer(target, (_server, c) => {
    client = c
  })

  it('applies create, setData, check and delete together and returns one result per op', async () => {
    await client.create('/multi-ok', 'old')
    await client.create('/multi-ok/gone')
    const outcome = await client.multi((t) =>
      t
        .create('/multi-ok/new', Buffer.from('n'))
        .create('/multi-ok/seq-', undefined, undefined, CreateMode.PERSISTENT_SEQUENTIAL)
        .setData('/multi-ok', Buffer.from('new'), 0)
        .check('/multi-ok', 1)
        .remove('/multi-ok/gone', 0),
    )
    expect(outcome.error).toBeUndefined()
    expect(outcome.results.map((r) => r.type)).toEqual([opcode.create, opcode.create, opcode.setData, opcode.check, opcode.delete])
    expect(outcome.results[0]?.path).toBe('/multi-ok/new')
    expect(outcome.results[1]?.path).toBe('/multi-ok/seq-0000000002')
    expect(outcome.results[2]?.stat?.version).toBe(1)
    expect((await client.getData('/multi-ok')).data?.toString()).toBe('new')
    expect((await client.getChildren('/multi-ok')).children.sort()).toEqual(['new', 'seq-0000000002'])
  })

  it('applies nothing when one op fails: OK before it, its own code, RUNTIMEINCONSISTENCY after it', async () => {
    await client.create('/multi-fail', 'keep')
    const outcome = await client.multi((t) =>
      t
        .create('/multi-fail/a')
        .setData('/multi-fail', Buffer.from('changed'))
        .check('/multi-fail', 7)
        .create('/multi-fail/b'),
    )
    expect(outcome.error).toBe('BADVERSION')
    expect(outcome.results.map((r) => [r.type, r.err])).toEqual([
      [opcode.error, 0],
      [opcode.error, 0],
      [opcode.error, -103],
      [opcode.error, -2],
    ])
    expect((await client.getData('/multi-fail')).data?.toString()).toBe('keep')
    expect(await client.exists('/multi-fail/a')).toBeNull()
    expect((await client.getData('/multi-fail')).stat.version).toBe(0)
  })

  it('reports NOAUTH for an op the session may not do, and NONODE for a check of a missing node', async () => {
    const readOnly = [new zookeeper.ACL(zookeeper.Permission.READ, new zookeeper.Id('world', 'anyone'))]
    await client.create('/multi-ro', 'r', CreateMode.PERSISTENT, readOnly)
    const denied = await client.multi((t) => t.create('/multi-ro-sibling').setData('/multi-ro', Buffer.from('w')))
    expect(denied.error).toBe('NOAUTH')
    expect(denied.results.map((r) => r.err)).toEqual([0, -102])
    expect(await client.exists('/multi-ro-sibling')).toBeNull()

    const missing = await client.multi((t) => t.check('/multi-nowhere', 0).create('/multi-never'))
    expect(missing.error).toBe('NONODE')
    expect(missing.results.map((r) => r.err)).toEqual([-101, -2])
  })

  it('sees the effects of earlier ops in the same multi (create then create a child of it)', async () => {
    const outcome = await client.multi((t) => t.create('/multi-chain').create('/multi-chain/child').remove('/multi-chain/child'))
    expect(outcome.error).toBeUndefined()
    expect((await client.getChildren('/multi-chain')).children).toEqual([])
  })

  it('reports NONODE and NODEEXISTS at the failing op and rolls back the ops before it', async () => {
    const missing = await client.multi((t) => t.create('/multi-nonode').remove('/multi-nowhere'))
    expect(missing.error).toBe('NONODE')
    expect(missing.results.map((r) => r.err)).toEqual([0, -101])
    expect(await client.exists('/multi-nonode')).toBeNull()

    await client.create('/multi-exists')
    const duplicate = await client.multi((t) => t.create('/multi-exists').create('/multi-other'))
    expect(duplicate.error).toBe('NODEEXISTS')
    expect(duplicate.results.map((r) => r.err)).toEqual([-110, -2])
    expect(await client.exists('/multi-other')).toBeNull()
  })
})

describe.each(targets)('$name: watches through node-zookeeper-client', (target) => {
  let server: RunningServer
  let watcher: NzkClient
  let writer: NzkClient

  beforeAll(async () => {
    server = await target.start(defaultSettings)
    watcher = await connectNzk(server.connectString)
    writer = await connectNzk(server.connectString)
  }, hookTimeoutMs)

  afterAll(async () => {
    await watcher?.close()
    await writer?.close()
    await server?.stop()
  }, hookTimeoutMs)

  it('fires NODE_DATA_CHANGED once for a getData watch, then no more until it is set again', async () => {
    await writer.create('/w-data', 'v0')
    const events = new EventQueue<WatchEvent>('a data watch event')
    await watcher.getData('/w-data', events.push)
    await writer.setData('/w-data', 'v1')
    await writer.setData('/w-data', 'v2')
    expect(await events.next()).toEqual({ type: 'NODE_DATA_CHANGED', path: '/w-data' })
    // A fresh watch on another node: had the first watch fired twice, that event would come first.
    const marker = new EventQueue<WatchEvent>('the marker event')
    await watcher.exists('/w-data-marker', marker.push)
    await writer.create('/w-data-marker')
    expect(await marker.next()).toEqual({ type: 'NODE_CREATED', path: '/w-data-marker' })
    expect(events.pending).toEqual([])
  })

  it('fires NODE_CREATED for an exists watch on a missing node and NODE_DELETED for one on a present node', async () => {
    const created = new EventQueue<WatchEvent>('NODE_CREATED')
    expect(await watcher.exists('/w-exists', created.push)).toBeNull()
    await writer.create('/w-exists')
    expect(await created.next()).toEqual({ type: 'NODE_CREATED', path: '/w-exists' })

    const deleted = new EventQueue<WatchEvent>('NODE_DELETED')
    await watcher.exists('/w-exists', deleted.push)
    await writer.delete('/w-exists')
    expect(await deleted.next()).toEqual({ type: 'NODE_DELETED', path: '/w-exists' })
  })

  it('fires NODE_CHILDREN_CHANGED for a child watch on a child create and on a child delete, not on child data', async () => {
    await writer.create('/w-kids')
    await writer.create('/w-kids/existing')
    const events = new EventQueue<WatchEvent>('a child watch event')
    await watcher.getChildren('/w-kids', events.push)
    await writer.setData('/w-kids/existing', 'ignored by child watches')
    await writer.create('/w-kids/new')
    expect(await events.next()).toEqual({ type: 'NODE_CHILDREN_CHANGED', path: '/w-kids' })
    await watcher.getChildren('/w-kids', events.push)
    await writer.delete('/w-kids/new')
    expect(await events.next()).toEqual({ type: 'NODE_CHILDREN_CHANGED', path: '/w-kids' })
  })

  it('fires NODE_DELETED for data and child watches of a deleted node and NODE_CHILDREN_CHANGED on its parent', async () => {
    await writer.create('/w-del')
    await writer.create('/w-del/leaf')
    const events = new EventQueue<WatchEvent>('a delete event')
    await watcher.getData('/w-del/leaf', events.push)
    await watcher.getChildren('/w-del', events.push)
    await writer.delete('/w-del/leaf')
    const received = [await events.next(), await events.next()]
    expect(received).toContainEqual({ type: 'NODE_DELETED', path: '/w-del/leaf' })
    expect(received).toContainEqual({ type: 'NODE_CHILDREN_CHANGED', path: '/w-del' })
  })

  it('fires NODE_DELETED for a child watch on the deleted node itself', async () => {
    await writer.create('/w-self')
    const events = new EventQueue<WatchEvent>('NODE_DELETED for the child watch')
    await watcher.getChildren('/w-self', events.push)
    await writer.delete('/w-self')
    expect(await events.next()).toEqual({ type: 'NODE_DELETED', path: '/w-self' })
  })

  it('delivers the watch event before the reply that shows the new data', async () => {
    await writer.create('/w-order', 'before')
    const seen: string[] = []
    const fired = new EventQueue<WatchEvent>('the data watch')
    await watcher.getData('/w-order', (event) => {
      seen.push(`event ${event.type}`)
      fired.push(event)
    })
    await writer.setData('/w-order', 'after')
    // The write is acknowledged; the watcher's next read must see it, and its event first.
    const { data } = await watcher.getData('/w-order')
    seen.push(`data ${data?.toString()}`)
    await fired.next()
    expect(seen).toEqual(['event NODE_DATA_CHANGED', 'data after'])
  })

  it('delivers events for changes to different nodes in the order the changes were made', async () => {
    await writer.create('/w-seq-a')
    await writer.create('/w-seq-b')
    const events = new EventQueue<WatchEvent>('ordered events')
    await watcher.getData('/w-seq-b', events.push)
    await watcher.exists('/w-seq-c', events.push)
    await watcher.getData('/w-seq-a', events.push)
    await writer.setData('/w-seq-a', '1')
    await writer.create('/w-seq-c')
    await writer.delete('/w-seq-b')
    expect([await events.next(), await events.next(), await events.next()]).toEqual([
      { type: 'NODE_DATA_CHANGED', path: '/w-seq-a' },
      { type: 'NODE_CREATED', path: '/w-seq-c' },
      { type: 'NODE_DELETED', path: '/w-seq-b' },
    ])
  })

  it('fires watches set by a multi writer like those of single writes', async () => {
    await writer.create('/w-multi')
    const events = new EventQueue<WatchEvent>('events of a multi')
    await watcher.getData('/w-multi', events.push)
    await watcher.getChildren('/w-multi', events.push)
    const outcome = await writer.multi((t) => t.setData('/w-multi', Buffer.from('m')).create('/w-multi/child'))
    expect(outcome.error).toBeUndefined()
    expect([await events.next(), await events.next()]).toEqual([
      { type: 'NODE_DATA_CHANGED', path: '/w-multi' },
      { type: 'NODE_CHILDREN_CHANGED', path: '/w-multi' },
    ])
  })

  it('leaves no watch behind a getData that failed with NONODE', async () => {
    const events = new EventQueue<WatchEvent>('any event')
    expect(await failure(watcher.getData('/w-never', events.push))).toBe('NONODE')
    await writer.create('/w-never')
    await watcher.exists('/w-never-marker', events.push)
    await writer.create('/w-never-marker')
    expect(await events.next()).toEqual({ type: 'NODE_CREATED', path: '/w-never-marker' })
  })
})
