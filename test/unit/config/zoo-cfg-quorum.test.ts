// Method: zoo.cfg texts with group.G, weight.ID, multi-address server lines and the quorum
// networking keys, parsed; the results and the errors (file, line, rule) compared with ZooKeeper's rules.
import { describe, expect, it } from 'vitest'
import { parseZooCfg } from '../../../lib/config/zoo-cfg.js'
import { memberOptionsFor } from '../../../lib/host/zoo-cfg-options.js'

const three = 'dataDir=/d\nserver.1=127.0.0.1:2888:3888\nserver.2=127.0.0.1:2889:3889\nserver.3=127.0.0.1:2890:3890\n'

describe('zoo.cfg group.G and weight.ID (ZooKeeper QuorumHierarchical)', () => {
  it('reads groups and weights; participants without a weight weigh 1; the options carry them', () => {
    const config = parseZooCfg(`${three}group.1=1:2:3\nweight.1=2\n`)
    expect(config.quorumGroups).toEqual({ groups: [{ id: 1, members: [1, 2, 3] }], weights: { 1: 2 } })
    expect(memberOptionsFor(config, 1)).toMatchObject({ quorumGroups: [{ id: 1, members: [1, 2, 3] }], quorumWeights: { 1: 2 } })
    expect(parseZooCfg(three).quorumGroups).toBeUndefined()
  })

  it('refuses what ZooKeeper refuses, naming the line: a participant in no group, in two groups, weights without groups', () => {
    for (const [lines, message] of [
      ['group.1=1:2\n', /zoo\.cfg:5: server\.3 is in no group: with group\.G lines every participant must be in exactly one/],
      ['group.1=1:2:3\ngroup.2=3\n', /zoo\.cfg:6: server 3 is in group\.1 and group\.2: a server is in one group only/],
      ['weight.1=2\n', /zoo\.cfg:5: weight\.1: weights need groups: every participant must be in a group\.G line/],
      ['group.1=1:2:4\n', /zoo\.cfg:5: group\.1 names server 4, but no server\.4 line declares it/],
      ['group.1=1:2:x\n', /zoo\.cfg:5: group\.1 must list server ids separated by ':'/],
      ['group.1=1:2:3\nweight.2=-1\n', /zoo\.cfg:6: weight\.2 must be an integer of at least 0, got "-1"/],
      ['group.1=1:2:3\nweight.1=0\nweight.2=0\nweight.3=0\n', /every group weighs 0: no set of servers could form a quorum/],
    ] as const) {
      expect(() => parseZooCfg(`${three}${lines}`), lines).toThrow(message)
    }
  })

  it('keeps observers out of groups and warns that their weight changes nothing', () => {
    const withObserver = `${three}server.4=127.0.0.1:2891:3891:observer\n`
    expect(() => parseZooCfg(`${withObserver}group.1=1:2:3:4\n`)).toThrow(/group\.1 names server 4, an observer: observers never vote/)
    const config = parseZooCfg(`${withObserver}group.1=1:2:3\nweight.4=5\n`)
    expect(config.quorumGroups?.weights).toEqual({})
    expect(config.warnings).toContain('zoo.cfg:7: weight.4 has no effect: server 4 is an observer, and observers never vote')
  })

  it('drops the even-ensemble warning when groups decide the quorum', () => {
    const four = `${three}server.4=127.0.0.1:2891:3891\n`
    expect(parseZooCfg(four).warnings.some((w) => w.includes('even ensemble'))).toBe(true)
    expect(parseZooCfg(`${four}group.1=1:2:3:4\nweight.1=2\n`).warnings.some((w) => w.includes('even ensemble'))).toBe(false)
  })
})

describe('zoo.cfg server.N with several addresses (ZooKeeper 3.6 MultipleAddresses)', () => {
  const multi = 'dataDir=/d\nmultiAddress.enabled=true\nserver.1=127.0.0.1:2888:3888|127.0.0.2:2988:3988:participant;2181\nserver.2=127.0.0.1:2889:3889\nserver.3=127.0.0.1:2890:3890\n'

  it('reads every address in order; the first is host and ports', () => {
    const [one, two] = parseZooCfg(multi).servers
    expect(one).toMatchObject({ host: '127.0.0.1', quorumPort: 2888, electionPort: 3888, role: 'participant', clientPort: 2181 })
    expect(one?.addresses).toEqual([{ host: '127.0.0.1', quorumPort: 2888, electionPort: 3888 }, { host: '127.0.0.2', quorumPort: 2988, electionPort: 3988 }])
    expect(two?.addresses).toBeUndefined()
  })

  it('needs multiAddress.enabled=true, one role, and distinct endpoints', () => {
    expect(() => parseZooCfg(multi.replace('multiAddress.enabled=true\n', ''))).toThrow(/zoo\.cfg:2: server\.1 gives several addresses, but the multiple address feature is disabled: set multiAddress\.enabled=true/)
    expect(() => parseZooCfg(multi.replace('2888:3888|', '2888:3888:observer|'))).toThrow(/server\.1: its addresses name different roles/)
    expect(() => parseZooCfg(multi.replace('127.0.0.2:2988:3988', '127.0.0.1:2888:3988'))).toThrow(/127\.0\.0\.1:2888 is given twice in server\.1/)
    expect(() => parseZooCfg(multi.replace(';2181', ';2181;2182'))).toThrow(/zoo\.cfg:3: server\.1 must be/)
  })
})

describe('quorumListenOnAllIPs, electionPortBindRetry, leaderServes', () => {
  it("have ZooKeeper's defaults and reach the member options", () => {
    const config = parseZooCfg(three)
    expect([config.quorumListenOnAllIPs, config.electionPortBindRetry, config.leaderServes]).toEqual([false, 3, true])
    const set = parseZooCfg(`${three}quorumListenOnAllIPs=true\nelectionPortBindRetry=10\nleaderServes=no\n`)
    expect(memberOptionsFor(set, 1)).toMatchObject({ quorumListenOnAllIPs: true, electionPortBindRetry: 10, leaderServes: false })
    expect(parseZooCfg(`${three}zookeeper.leaderServes=no\n`).leaderServes).toBe(false)
  })

  it('bounds electionPortBindRetry=0 (forever in ZooKeeper) with a warning, and refuses values that are no count', () => {
    const forever = parseZooCfg(`${three}electionPortBindRetry=0\n`)
    expect(forever.electionPortBindRetry).toBe(600)
    expect(forever.warnings).toContain('zoo.cfg:5: electionPortBindRetry=0: Paddock tries at most 600 times (one attempt a second) instead of forever')
    expect(() => parseZooCfg(`${three}electionPortBindRetry=-1\n`)).toThrow(/zoo\.cfg:5: electionPortBindRetry must be an integer in \[0, /)
    expect(() => parseZooCfg(`${three}quorumListenOnAllIPs=maybe\n`)).toThrow(/zoo\.cfg:5: quorumListenOnAllIPs must be true or false/)
  })
})
