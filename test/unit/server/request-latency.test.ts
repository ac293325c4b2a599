// Method: a leading Pipeline whose writes commit when the test says (held-member.ts); reads
// submitted on a channel and the member's request histograms read back. Reads answered at once in
// constant time are counted without reading the clock; the others are timed. Then writes, on that
// member and on one that commits each write inside its proposal, as a member that keeps nothing does.
import { describe, expect, it } from 'vitest'
import { OPEN_ACL_UNSAFE } from '../../../lib/protocol/data.js'
import { committingMember, heldMember, open } from './held-member.js'

function leadingMember() {
  const { member, commitNext } = heldMember()
  return { member, channel: open(member, commitNext), commitNext }
}

describe('read latencies', () => {
  it('counts exists and getData answered at once at 0 ms, and times getChildren', () => {
    const { member, channel } = leadingMember()
    expect(member.readNow(channel, { op: 'exists', path: '/zookeeper', watch: false })).toMatchObject({ err: 0 })
    expect(member.readNow(channel, { op: 'getData', path: '/zookeeper', watch: false })).toMatchObject({ err: 0 })
    expect(member.readNow(channel, { op: 'exists', path: '/missing', watch: false })).toMatchObject({ err: -101 })
    expect(member.readNow(channel, { op: 'getChildren', path: '/', watch: false })).toMatchObject({ err: 0 })
    const requests = member.metrics.requests
    expect(requests.get('exists')).toMatchObject({ count: 2, maxMs: 0, sumMs: 0 })
    expect(requests.get('getData')).toMatchObject({ count: 1, maxMs: 0, sumMs: 0 })
    expect(requests.get('getChildren')?.count).toBe(1)
    expect(requests.get('getChildren')?.sumMs).toBeGreaterThan(0)
  })

  it('times a read that waited behind its session\'s write from when it arrived', async () => {
    const { member, channel, commitNext } = leadingMember()
    member.submit(channel, { op: 'setData', path: '/', data: new Uint8Array(), version: -1 }, 1, () => {})
    let answered = false
    member.submit(channel, { op: 'exists', path: '/', watch: false }, 2, () => (answered = true))
    const arrived = performance.now()
    while (performance.now() - arrived < 2) await new Promise((resolve) => setImmediate(resolve))
    commitNext()
    expect(answered).toBe(true)
    expect(member.metrics.requests.get('exists')?.maxMs).toBeGreaterThanOrEqual(2)
  })
})

describe('write latencies', () => {
  it('counts a write answered before its call returns at 0 ms', () => {
    const member = committingMember()
    const channel = open(member, () => {})
    const answers: number[] = []
    for (let i = 0; i < 3; i++) {
      member.submit(channel, { op: 'create', path: `/n${i}`, data: new Uint8Array(), acl: OPEN_ACL_UNSAFE, mode: 0 }, i + 1, (response) => answers.push(response.err))
      expect(answers).toHaveLength(i + 1)
    }
    expect(answers).toEqual([0, 0, 0])
    expect(member.metrics.requests.get('create')).toMatchObject({ count: 3, maxMs: 0, sumMs: 0 })
  })

  it('times a write that waits for its commit', async () => {
    const { member, commitNext } = heldMember()
    const channel = open(member, commitNext)
    let answered = false
    member.submit(channel, { op: 'setData', path: '/', data: new Uint8Array(), version: -1 }, 1, () => (answered = true))
    const sent = performance.now()
    while (performance.now() - sent < 2) await new Promise((resolve) => setImmediate(resolve))
    commitNext()
    expect(answered).toBe(true)
    expect(member.metrics.requests.get('setData')?.maxMs).toBeGreaterThanOrEqual(2)
  })
})
