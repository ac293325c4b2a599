// Method: in-process sessions on a virtual clock share one SharedCount; its bytes are checked
// against Curator's SharedCount.toBytes (ByteBuffer.putInt: 4 bytes, big-endian) and every
// change is followed through watches.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { decodeSharedCount, encodeSharedCount, SharedCount } from '../../../lib/recipes/index.js'
import { flush, sessions, startServer, type Server, type ZooKeeperClient } from './helpers.js'

let server: Server
let observer: ZooKeeperClient

beforeEach(async () => {
  ;({ server } = await startServer())
  ;[observer] = (await sessions(server, 1)) as [ZooKeeperClient]
})
afterEach(async () => {
  await server.close()
})

describe('SharedCount encoding', () => {
  it('writes the int32 as 4 big-endian bytes, as ByteBuffer.putInt', () => {
    expect([...encodeSharedCount(1)]).toEqual([0, 0, 0, 1])
    expect([...encodeSharedCount(-2)]).toEqual([255, 255, 255, 254])
    expect([...encodeSharedCount(0x01020304)]).toEqual([1, 2, 3, 4])
    expect(decodeSharedCount(new Uint8Array([128, 0, 0, 0]), '/c')).toBe(-(2 ** 31))
  })

  it('refuses values beyond int32 and data shorter than 4 bytes', () => {
    expect(() => encodeSharedCount(2 ** 31)).toThrow(RangeError)
    expect(() => encodeSharedCount(1.5)).toThrow(RangeError)
    expect(() => decodeSharedCount(new Uint8Array(3), '/c')).toThrow(expect.objectContaining({ code: 'BADARGUMENTS' }))
  })
})

describe('SharedCount', () => {
  it('creates the node with the seed on start, and keeps an existing value', async () => {
    const first = new SharedCount(observer, '/counts/a', 7)
    await first.start()
    expect(first.count).toBe(7)
    expect([...(await observer.getData('/counts/a')).data]).toEqual([0, 0, 0, 7])
    const second = new SharedCount(observer, '/counts/a', 99)
    await second.start()
    expect(second.count).toBe(7)
    first.close()
    second.close()
  })

  it('sees another participant\'s setCount through its watch and tells its listeners', async () => {
    const [other] = (await sessions(server, 1)) as [ZooKeeperClient]
    const ours = new SharedCount(observer, '/counts/watch', 0)
    const theirs = new SharedCount(other, '/counts/watch', 0)
    await Promise.all([ours.start(), theirs.start()])
    const seen: number[] = []
    ours.on(({ value }) => seen.push(value))
    await theirs.setCount(5)
    await theirs.setCount(6)
    await flush()
    expect(ours.count).toBe(6)
    expect(seen.at(-1)).toBe(6)
    ours.close()
    theirs.close()
  })

  it('trySetCount succeeds at the version last seen and fails (updating the view) after another write', async () => {
    const [other] = (await sessions(server, 1)) as [ZooKeeperClient]
    const ours = new SharedCount(observer, '/counts/cas', 1)
    await ours.start()
    const before = ours.versionedValue
    expect(await ours.trySetCount(2)).toBe(true)
    await other.setData('/counts/cas', encodeSharedCount(40))
    expect(await ours.trySetCount(3, before)).toBe(false)
    expect(await ours.trySetCount(41, { value: 2, version: ours.versionedValue.version - 1 })).toBe(false)
    expect(ours.count).toBe(40)
    expect(await ours.trySetCount(41)).toBe(true)
    expect(decodeSharedCount((await observer.getData('/counts/cas')).data, '/counts/cas')).toBe(41)
    ours.close()
  })

  it('counts to 60 from 6 sessions with trySetCount loops', async () => {
    const clients = await sessions(server, 6)
    await Promise.all(
      clients.map(async (zk) => {
        const count = new SharedCount(zk, '/counts/many', 0)
        await count.start()
        for (let i = 0; i < 10; i++) while (!(await count.trySetCount(count.count + 1)));
        count.close()
      }),
    )
    expect(decodeSharedCount((await observer.getData('/counts/many')).data, '/counts/many')).toBe(60)
  })

  it('follows the node through a delete and re-create', async () => {
    const ours = new SharedCount(observer, '/counts/gone', 3)
    await ours.start()
    await observer.delete('/counts/gone')
    await flush()
    await observer.create('/counts/gone', encodeSharedCount(9))
    await flush()
    expect(ours.versionedValue).toEqual({ value: 9, version: 0 })
    ours.close()
  })
})
