// Method: ZooKeeper's dynamic configuration text and reconfig rules on hand-made server lists:
// the lines /zookeeper/config shows (QuorumServer.toString), and the membership each kind of
// reconfig request leads to, or the reason it is refused (answered BADARGUMENTS).
import { describe, expect, it } from 'vitest'
import { dynamicConfigText, plannedServers, serversOfText, serverValue } from '../../../lib/config/dynamic-config.js'
import type { ServerSpec } from '../../../lib/config/zoo-cfg.js'

const spec = (id: number, extra: Partial<ServerSpec> = {}): ServerSpec => ({
  id, host: `zoo${id}`, quorumPort: 2888, electionPort: 3888, role: 'participant', clientAddress: undefined, clientPort: 2181, ...extra,
})
const three = [spec(1), spec(2), spec(3)]
const none = { joiningServers: null, leavingServers: null, newMembers: null }

describe('dynamic configuration text', () => {
  it('writes each server as QuorumServer.toString does, in id order', () => {
    expect(dynamicConfigText([spec(2), spec(1, { role: 'observer', clientAddress: '10.0.0.1' }), spec(3, { clientPort: undefined })])).toBe(
      'server.1=zoo1:2888:3888:observer;10.0.0.1:2181\nserver.2=zoo2:2888:3888:participant;0.0.0.0:2181\nserver.3=zoo3:2888:3888:participant\n',
    )
    expect(serverValue(spec(4, { host: '::1', clientAddress: '::1' }))).toBe('[::1]:2888:3888:participant;[::1]:2181')
    expect(serverValue(spec(5, { addresses: [{ host: 'a', quorumPort: 1, electionPort: 2 }, { host: 'b', quorumPort: 3, electionPort: 4 }] }))).toBe('a:1:2|b:3:4:participant;0.0.0.0:2181')
  })

  it('reads back what it writes, skipping the version line', () => {
    const text = `${dynamicConfigText(three)}version=100000000`
    expect(serversOfText(text).map((s) => [s.id, s.host, s.clientPort])).toEqual([[1, 'zoo1', 2181], [2, 'zoo2', 2181], [3, 'zoo3', 2181]])
  })
})

describe('the membership a reconfig asks for', () => {
  const ids = (result: ServerSpec[] | { error: string }) => ('error' in result ? result.error : result.map((s) => `${s.id}:${s.role}`))

  it('adds, replaces and removes incrementally', () => {
    expect(ids(plannedServers(three, { ...none, joiningServers: 'server.4=zoo4:2888:3888;2181,server.5=zoo5:2888:3888:observer;2181' }))).toEqual(['1:participant', '2:participant', '3:participant', '4:participant', '5:observer'])
    expect(ids(plannedServers(three, { ...none, leavingServers: '3, 1' }))).toEqual(['2:participant'])
    // A joiner that names a member replaces it (here: participant to observer).
    expect(ids(plannedServers(three, { ...none, joiningServers: 'server.2=zoo2:2888:3888:observer;2181', leavingServers: '3' }))).toEqual(['1:participant', '2:observer'])
  })

  it('replaces the whole membership non-incrementally, comma- or newline-separated', () => {
    expect(ids(plannedServers(three, { ...none, newMembers: 'server.7=z7:1:2:participant;3\nserver.8=z8:1:2;3,version=5' }))).toEqual(['7:participant', '8:participant'])
  })

  it('refuses what ZooKeeper refuses', () => {
    expect(ids(plannedServers(three, { ...none, joiningServers: 'server.4=zoo4:2888:3888' }))).toMatch(/at least 3 ports/)
    expect(ids(plannedServers(three, { ...none, joiningServers: 'zoo4:2888:3888;2181' }))).toMatch(/wrong format of server string/)
    expect(ids(plannedServers(three, { ...none, joiningServers: 'server.4=zoo1:2888:3888;2181' }))).toMatch(/zoo1:2888 is used by server\.1 and server\.4/)
    expect(ids(plannedServers(three, { ...none, leavingServers: 'two' }))).toMatch(/not a server id/)
    expect(ids(plannedServers(three, { ...none, newMembers: 'group.1=1:2:3' }))).toMatch(/only server\.N lines/)
    expect(ids(plannedServers(three, { ...none, newMembers: 'server.1=a:1:2;3,server.1=b:1:2;3' }))).toMatch(/given twice/)
  })
})
