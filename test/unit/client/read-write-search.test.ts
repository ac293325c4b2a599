// Method: the search for a read-write server on a virtual clock with a scripted isro probe
// (ZooKeeper: ClientCnxn.SendThread.pingRwServer, minPingRwTimeout 100 ms doubling to 60 s).
import { describe, expect, it } from 'vitest'
import { VirtualClock } from '../../../lib/clock.js'
import { nextPingRwTimeoutMs, ReadWriteSearch, type IsroAnswer } from '../../../lib/client/read-write-search.js'
import type { HostAddress } from '../../../lib/client/connect-string.js'
import { silentLogger } from '../../../lib/client/events.js'

const hosts: HostAddress[] = [1, 2, 3].map((n) => ({ host: '127.0.0.1', port: 2180 + n }))
const flush = () => new Promise<void>((resolve) => setImmediate(resolve))

function search(answers: (port: number) => IsroAnswer) {
  const clock = new VirtualClock(0)
  const probes: { port: number; at: number }[] = []
  const found: number[] = []
  const s = new ReadWriteSearch({
    hosts,
    clock,
    logger: silentLogger,
    probe: (address) => {
      probes.push({ port: address.port, at: clock.now() })
      return Promise.resolve(answers(address.port))
    },
    found: (address) => void found.push(address.port),
  })
  return { clock, s, probes, found }
}

describe('ReadWriteSearch', () => {
  it('doubles the wait from 100 ms to at most 60 s', () => {
    expect(nextPingRwTimeoutMs(100)).toBe(200)
    expect(nextPingRwTimeoutMs(40_000)).toBe(60_000)
    expect(nextPingRwTimeoutMs(60_000)).toBe(60_000)
  })

  it('asks the other servers in turn at 100, 300, 700 ms, skipping the read-only one it is on', async () => {
    const { clock, s, probes, found } = search(() => 'ro')
    s.start('127.0.0.1:2181')
    for (const step of [100, 200, 400]) {
      clock.advance(step)
      await flush()
    }
    expect(probes).toEqual([{ port: 2182, at: 100 }, { port: 2183, at: 300 }, { port: 2182, at: 700 }])
    expect(found).toEqual([])
    s.stop()
  })

  it('hands over the first server that answers rw and stops looking', async () => {
    const { clock, s, probes, found } = search((port) => (port === 2183 ? 'rw' : undefined))
    s.start('127.0.0.1:2181')
    for (let i = 0; i < 5; i++) {
      clock.advance(1_000)
      await flush()
    }
    expect(found).toEqual([2183])
    expect(probes.map((p) => p.port)).toEqual([2182, 2183])
  })

  it('asks nobody once stopped, and ignores an answer that arrives after stop', async () => {
    let answer: (a: IsroAnswer) => void = () => {}
    const clock = new VirtualClock(0)
    const found: number[] = []
    const s = new ReadWriteSearch({ hosts, clock, logger: silentLogger, probe: () => new Promise((resolve) => (answer = resolve)), found: (a) => void found.push(a.port) })
    s.start('127.0.0.1:2181')
    clock.advance(100)
    s.stop()
    answer('rw')
    await flush()
    expect(found).toEqual([])
    expect(clock.advance(120_000)).toBe(0)
  })
})
