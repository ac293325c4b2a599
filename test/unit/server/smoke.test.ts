// Method: drive an in-process server through the public API and check ZooKeeper's results.
import { describe, expect, it } from 'vitest'
import { createServer, CreateMode, VirtualClock } from '../../../lib/index.js'

describe('smoke', () => {
  it('creates, reads, watches', async () => {
    const server = await createServer({ clock: new VirtualClock() })
    const zk = await server.connect()
    expect(await zk.create('/a', 'hello')).toBe('/a')
    const events: string[] = []
    const { data, stat } = await zk.getData('/a', { watch: (e) => events.push(`${e.type} ${e.path}`) })
    expect(new TextDecoder().decode(data)).toBe('hello')
    expect(stat.version).toBe(0)
    await zk.setData('/a', 'x')
    expect(events).toEqual(['NodeDataChanged /a'])
    expect(await zk.create('/a/s-', '', { mode: CreateMode.PERSISTENT_SEQUENTIAL })).toBe('/a/s-0000000000')
    await zk.close()
    await server.close()
  })
})
