// Method: the pure mapping between ZooKeeper's election records and the ZAB core's, checked value
// by value (FastLeaderElection.buildMsg's fields, QuorumMaj.toString's text) and through the wire
// codec both ways; then hostile values (longs no safe integer holds, configuration texts that do
// not read), which must be refused with a typed error or dropped, never passed to the core.
import { describe, expect, it } from 'vitest'
import { JuteDecodeError } from '../../../lib/wire/jute.js'
import { decodeNotification, encodeNotification } from '../../../lib/peer/zookeeper/notification.js'
import { memberConfigOfZkText, NO_VOTE_FIELD, numberOfLong, zabNotificationOf, zkConfigText, zkNotificationOf } from '../../../lib/peer/zookeeper/mapping.js'
import { zabMessageProblem, type Notification } from '../../../lib/zab/index.js'

const longMin = -(2n ** 63n)
const servers = 'server.1=127.0.0.1:2888:3888:participant;0.0.0.0:2181\nserver.2=127.0.0.1:2889:3889:participant;0.0.0.0:2182\nserver.3=127.0.0.1:2890:3890:observer;0.0.0.0:2183\n'

describe('numberOfLong', () => {
  it('keeps a long within [0, 2^53 - 1] exactly', () => {
    expect(numberOfLong(0n, 'x')).toBe(0)
    expect(numberOfLong(0x1_0000_0005n, 'x')).toBe(0x1_0000_0005)
    expect(numberOfLong(BigInt(Number.MAX_SAFE_INTEGER), 'x')).toBe(Number.MAX_SAFE_INTEGER)
  })

  it('refuses a negative long or one past 2^53 - 1 with JuteDecodeError unsafeInteger', () => {
    for (const value of [-1n, longMin, BigInt(Number.MAX_SAFE_INTEGER) + 1n, 2n ** 63n - 1n]) {
      expect(() => numberOfLong(value, 'zxid')).toThrow(expect.objectContaining({ name: 'JuteDecodeError', reason: 'unsafeInteger' }))
    }
  })
})

describe('FLE notifications to the core and back', () => {
  it('maps a 3.8 notification field by field, and a static configuration (version 0) to none', () => {
    const n = zabNotificationOf({ state: 'FOLLOWING', leader: 3n, zxid: 0x1_0000_0004n, electionEpoch: 7n, peerEpoch: 1n, version: 2, config: `${servers}version=0` })
    expect(n).toEqual({ type: 'NOTIFICATION', state: 'FOLLOWING', leader: 3, zxid: 0x1_0000_0004, electionEpoch: 7, peerEpoch: 1 })
    expect(zabMessageProblem(n)).toBeUndefined()
  })

  it("takes a non-voter's Long.MIN_VALUE vote (QuorumPeer.getInitId) as the core's vote for nobody", () => {
    const n = zabNotificationOf({ state: 'LOOKING', leader: longMin, zxid: longMin, electionEpoch: 1n, peerEpoch: longMin, version: 2, config: '' })
    expect(n).toMatchObject({ leader: NO_VOTE_FIELD, zxid: NO_VOTE_FIELD, peerEpoch: NO_VOTE_FIELD })
    expect(zabMessageProblem(n)).toBeUndefined()
  })

  it('passes a configuration of a later version (a leader sets its epoch zxid as the version, Leader.lead) to the core', () => {
    const n = zabNotificationOf({ state: 'LEADING', leader: 2n, zxid: 0x1_0000_0000n, electionEpoch: 1n, peerEpoch: 1n, version: 2, config: `${servers}version=100000000` })
    expect(n.config).toEqual({ version: 0x1_0000_0000, voters: [1, 2], observers: [3], text: servers })
    expect(zabMessageProblem(n)).toBeUndefined()
  })

  it('refuses an electionEpoch no safe integer holds', () => {
    expect(() => zabNotificationOf({ state: 'LOOKING', leader: 1n, zxid: 0n, electionEpoch: 2n ** 60n, peerEpoch: 0n, version: 2, config: '' })).toThrow(JuteDecodeError)
  })

  it('writes the core\'s notification in 3.8\'s layout, with the start-up configuration when it carries none, and reads it back the same', () => {
    const startup = zkConfigText({ text: servers, version: 0 })
    const sent: Notification = { type: 'NOTIFICATION', state: 'LOOKING', leader: 1, zxid: 0x2_0000_0003, electionEpoch: 4, peerEpoch: 2 }
    const wire = decodeNotification(encodeNotification(zkNotificationOf(sent, startup)))
    expect(wire).toEqual({ state: 'LOOKING', leader: 1n, zxid: 0x2_0000_0003n, electionEpoch: 4n, peerEpoch: 2n, version: 2, config: startup })
    expect(zabNotificationOf(wire)).toEqual(sent)
    const withConfig: Notification = { ...sent, config: { version: 0x2_0000_0001, voters: [1, 2], observers: [3], text: servers } }
    expect(zabNotificationOf(decodeNotification(encodeNotification(zkNotificationOf(withConfig, startup))))).toEqual(withConfig)
  })
})

describe('configuration text', () => {
  it('writes QuorumMaj.toString\'s form: server lines each ending in a newline, then version in hex with none', () => {
    expect(zkConfigText({ text: servers, version: 0x1_0000_0000 })).toBe(`${servers}version=100000000`)
    expect(zkConfigText({ text: `${servers}version=5\n`, version: 0 })).toBe(`${servers}version=0`)
  })

  it('reads nothing from a text without a version line, with a bad server line, or without a participant', () => {
    expect(memberConfigOfZkText(servers)).toBeUndefined()
    expect(memberConfigOfZkText('server.1=nonsense\nversion=1')).toBeUndefined()
    expect(memberConfigOfZkText('server.3=127.0.0.1:2890:3890:observer\nversion=1')).toBeUndefined()
    expect(memberConfigOfZkText('version=ffffffffffffffffff')).toBeUndefined()
    expect(memberConfigOfZkText('x'.repeat(600_000))).toBeUndefined()
  })
})
