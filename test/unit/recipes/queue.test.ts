// Method: the queue encodings checked byte by byte against hand-built copies of Curator's
// ItemSerializer output and name formats (String.format %08X), then the queues run by
// in-process sessions on a virtual clock, reading back the znodes they leave.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
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
} from '../../../lib/recipes/index.js'
import { flush, outcome, sessions, settled, startServer, type Server, type ZooKeeperClient } from './helpers.js'

let server: Server
let observer: ZooKeeperClient

beforeEach(async () => {
  ;({ server } = await startServer())
  ;[observer] = (await sessions(server, 1)) as [ZooKeeperClient]
})
afterEach(async () => {
  await server.close()
})

const text = (bytes: Uint8Array | undefined): string => new TextDecoder().decode(bytes)

describe('Curator queue envelope (ItemSerializer)', () => {
  it('writes version 0x00010001, then 0x01 + int32 length + bytes per item, then 0x02', () => {
    expect([...encodeQueueItems(['ab', new Uint8Array([7])])]).toEqual([0, 1, 0, 1, 1, 0, 0, 0, 2, 97, 98, 1, 0, 0, 0, 1, 7, 2])
  })

  it('writes an empty item as its marker and a zero length', () => {
    expect([...encodeQueueItems([''])]).toEqual([0, 1, 0, 1, 1, 0, 0, 0, 0, 2])
  })

  it('reads back what it writes, item by item', () => {
    const items = ['one', '', 'three'].map((s) => new TextEncoder().encode(s))
    expect(decodeQueueItems(encodeQueueItems(items), '/q/n')).toEqual(items)
  })

  it('rejects a wrong version, an unknown opcode, a truncated item and a missing end with BADARGUMENTS', () => {
    const good = encodeQueueItems(['xy'])
    const withByte = (at: number, value: number): Uint8Array => Uint8Array.from(good, (b, i) => (i === at ? value : b))
    for (const bad of [withByte(3, 2), withByte(4, 9), good.slice(0, 8), good.slice(0, -1)]) {
      expect(() => decodeQueueItems(bad, '/q/bad')).toThrow(expect.objectContaining({ code: 'BADARGUMENTS', path: '/q/bad' }))
    }
  })
})

describe('Curator queue names', () => {
  it('encodes priorities as DistributedPriorityQueue.priorityToString: sign digit then %08X of the 32 bits', () => {
    expect(priorityInfix(0)).toBe('100000000')
    expect(priorityInfix(10)).toBe('10000000A')
    expect(priorityInfix(-1)).toBe('0FFFFFFFF')
    expect(priorityInfix(-(2 ** 31))).toBe('080000000')
    expect(priorityInfix(2 ** 31 - 1)).toBe('17FFFFFFF')
    expect(() => priorityInfix(2 ** 31)).toThrow(RangeError)
  })

  it('sorts priority names in numeric order, as Curator\'s plain string sort does', () => {
    const priorities = [5, -3, 0, 2 ** 31 - 1, -(2 ** 31), 17, -1]
    const names = priorities.map((p) => priorityInfix(p)).sort()
    expect(names).toEqual([...priorities].sort((a, b) => a - b).map((p) => priorityInfix(p)))
  })

  it('encodes delays as DistributedDelayQueue.epochToString (|%08X|) and parses them back as getEpoch', () => {
    expect(delayInfix(255)).toBe('|000000FF|')
    expect(delayInfix(1_764_645_000_123)).toBe('|19ADD09D3BB|')
    expect(delayEpochOf(`queue-${delayInfix(1_764_645_000_123)}0000000004`)).toBe(1_764_645_000_123)
    expect(delayEpochOf('queue-0000000004')).toBe(0)
  })

  it('encodes ids as DistributedIdQueue (|id| with / and | made _) and parses them as parseId', () => {
    expect(idInfix('a/b|c')).toBe('|a_b_c|')
    expect(parseIdName(`queue-${idInfix('job-1')}0000000003`)).toEqual({ id: 'job-1', cleaned: 'queue-0000000003' })
    expect(parseIdName('queue-0000000003')).toEqual({ id: 'queue-0000000003', cleaned: 'queue-0000000003' })
  })
})

describe('DistributedQueue (Curator layout)', () => {
  it('puts queue-<seq> nodes holding the envelope, in a persistent directory', async () => {
    const path = await new DistributedQueue(observer, '/q/layout').put('hello')
    expect(path).toMatch(/^\/q\/layout\/queue-\d{10}$/)
    expect((await observer.getData(path)).data).toEqual(encodeQueueItems(['hello']))
    expect((await observer.exists('/q/layout'))?.ephemeralOwner).toBe(0n)
  })

  it('takes a multi-item node whole and hands its items out in order before the next node', async () => {
    const queue = new DistributedQueue(observer, '/q/multi')
    await queue.putMulti(['a', 'b', 'c'])
    await queue.put('d')
    expect(await queue.size()).toBe(2)
    const got = [await queue.poll(), await queue.poll(), await queue.poll(), await queue.poll(), await queue.poll()]
    expect(got.map((item) => (item === undefined ? undefined : text(item)))).toEqual(['a', 'b', 'c', 'd', undefined])
  })

  it('skips nodes that are not queue items, as Curator\'s consumer skips foreign nodes', async () => {
    await observer.create('/q')
    await observer.create('/q/foreign')
    await observer.create('/q/foreign/lock-node')
    const queue = new DistributedQueue(observer, '/q/foreign')
    await queue.put('x')
    expect(text(await queue.poll())).toBe('x')
    expect(await queue.poll()).toBeUndefined()
  })

  it('reads items written with the envelope by another client, and rejects an item without it', async () => {
    await observer.create('/q')
    await observer.create('/q/raw')
    await observer.create('/q/raw/queue-', encodeQueueItems(['from-java']), { mode: 2 })
    await observer.create('/q/raw/queue-', 'not an envelope', { mode: 2 })
    const queue = new DistributedQueue(observer, '/q/raw')
    expect(text(await queue.poll())).toBe('from-java')
    await expect(queue.poll()).rejects.toMatchObject({ code: 'BADARGUMENTS' })
  })
})

describe('DistributedPriorityQueue (Curator layout)', () => {
  it('names items queue-<priority infix><seq>', async () => {
    const path = await new DistributedPriorityQueue(observer, '/q/prio-name').put('x', -2)
    expect(path).toMatch(/^\/q\/prio-name\/queue-0FFFFFFFE\d{10}$/)
  })
})

describe('DistributedDelayQueue', () => {
  it('serves nothing before its time, then the earliest due item first', async () => {
    let now = 1_000_000
    const queue = new DistributedDelayQueue(observer, '/q/delay', { now: () => now })
    const late = await queue.put('late', now + 2_000)
    await queue.put('soon', now + 1_000)
    expect(late).toMatch(/^\/q\/delay\/queue-\|000F4A10\|\d{10}$/)
    expect(await queue.poll()).toBeUndefined()
    now += 1_500
    expect(text(await queue.poll())).toBe('soon')
    expect(await queue.poll()).toBeUndefined()
    now += 1_000
    expect(text(await queue.poll())).toBe('late')
  })

  it('wakes a waiting take when the head falls due (a timer set to the head\'s delay)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      let now = 5_000_000
      const queue = new DistributedDelayQueue(observer, '/q/delay-take', { now: () => now })
      await queue.put('due', now + 1_000)
      const taking = queue.take()
      expect(await settled(taking)).toBe(false)
      now += 999
      vi.advanceTimersByTime(999)
      expect(await settled(taking)).toBe(false)
      now += 1
      vi.advanceTimersByTime(1)
      expect(text(await taking)).toBe('due')
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('DistributedIdQueue', () => {
  it('serves FIFO whatever the ids, and removes items by id', async () => {
    const queue = new DistributedIdQueue(observer, '/q/ids')
    await queue.put('1', 'zz')
    await queue.put('2', 'aa')
    await queue.put('3', 'zz')
    await queue.put('4', 'a/b')
    expect(await queue.contains('a/b')).toBe(true)
    expect(await queue.remove('zz')).toBe(2)
    expect(await queue.contains('zz')).toBe(false)
    expect([text(await queue.poll()), text(await queue.poll())]).toEqual(['2', '4'])
    expect(await observer.getChildren('/q/ids')).toEqual([])
  })

  it('names items queue-|id|<seq>', async () => {
    expect(await new DistributedIdQueue(observer, '/q/id-name').put('x', 'job/7')).toMatch(/^\/q\/id-name\/queue-\|job_7\|\d{10}$/)
  })

  it('hands a waiting consumer the first item put', async () => {
    const queue = new DistributedIdQueue(observer, '/q/id-wait')
    const taking = outcome(queue.take())
    await flush()
    await queue.put('x', 'first')
    expect(await taking).toMatchObject({ value: new TextEncoder().encode('x') })
  })
})
