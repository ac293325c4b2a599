// Method: zoo.cfg texts with and without `peerProtocol`, mapped through memberOptionsFor, and
// startMember's check of the option, which must refuse a bad value or a combination the ZooKeeper
// transport does not carry before anything starts, naming the setting.
import { describe, expect, it } from 'vitest'
import { ConfigError, parseZooCfg } from '../../../lib/config/zoo-cfg.js'
import { memberOptionsFor } from '../../../lib/host/zoo-cfg-options.js'
import { startMember } from '../../../lib/host/server.js'
import type { MemberStartOptions } from '../../../lib/host/types.js'

const ensemble = 'tickTime=2000\ndataDir=/var/lib/zookeeper\nserver.1=zoo1:2888:3888\nserver.2=zoo2:2888:3888\nserver.3=zoo3:2888:3888\n'

describe('peerProtocol in zoo.cfg', () => {
  it('defaults to paddock, which memberOptionsFor leaves out', () => {
    const config = parseZooCfg(ensemble, 'zoo.cfg')
    expect(config.peerProtocol).toBe('paddock')
    expect(memberOptionsFor(config, 1).peerProtocol).toBeUndefined()
  })

  it('reads zookeeper without a warning and hands it to the member', () => {
    const config = parseZooCfg(`${ensemble}peerProtocol = zookeeper\n`, 'zoo.cfg')
    expect(config.peerProtocol).toBe('zookeeper')
    expect(config.warnings).toEqual([])
    expect(memberOptionsFor(config, 2).peerProtocol).toBe('zookeeper')
  })

  it('refuses any other value, naming the file, the line and both choices', () => {
    expect(() => parseZooCfg(`${ensemble}peerProtocol=zab\n`, 'zoo.cfg')).toThrow(ConfigError)
    expect(() => parseZooCfg(`${ensemble}peerProtocol=ZooKeeper\n`, 'zoo.cfg')).toThrow(/zoo\.cfg:6: peerProtocol=ZooKeeper: expected paddock .* or zookeeper/)
  })
})

describe('peerProtocol in startMember', () => {
  const base = { ...memberOptionsFor(parseZooCfg(ensemble, 'zoo.cfg'), 1), dataDir: '/nonexistent/never-opened' }

  it('refuses a value that is neither protocol before opening anything', async () => {
    await expect(startMember({ ...base, peerProtocol: 'zab' } as unknown as MemberStartOptions)).rejects.toThrow(/peerProtocol must be 'paddock' or 'zookeeper', not "zab"/)
  })

  it('takes quorum TLS with the ZooKeeper protocol: its stores are read before anything starts, as for the Paddock protocol', async () => {
    const tls = { keyStore: { location: '/nonexistent/k.pem' }, trustStore: { location: '/nonexistent/t.pem' } } as unknown as MemberStartOptions['quorumTls']
    await expect(startMember({ ...base, peerProtocol: 'zookeeper', quorumTls: tls })).rejects.toThrow(/ssl\.quorum\.keyStore.*\/nonexistent\/k\.pem/)
  })

  it('takes quorum SASL with the ZooKeeper protocol: its settings are checked as with the Paddock protocol', async () => {
    const sasl = { learnerRequireSasl: true } as unknown as MemberStartOptions['quorumSasl']
    await expect(startMember({ ...base, peerProtocol: 'zookeeper', quorumSasl: sasl })).rejects.toThrow(/quorumSasl: give either jaasFile, or users and credentials/)
  })
})
