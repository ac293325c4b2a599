// Method: parse zoo.cfg texts with sslQuorum, portUnification and the ssl.quorum stores, and compare
// the settings, the quorumTls options memberOptionsFor maps them to, and the errors and warnings
// (ZooKeeper: QuorumPeerConfig's sslQuorum and portUnification, the three steps of QuorumSSLTest.testRollingUpgrade).
import { describe, expect, it } from 'vitest'
import { ConfigError, memberOptionsFor, parseZooCfg } from '../../../lib/index.js'

const ensemble = ['dataDir=/var/lib/paddock', 'server.1=127.0.0.1:2888:3888', 'server.2=127.0.0.1:2889:3889', 'server.3=127.0.0.1:2890:3890']
const stores = ['ssl.quorum.keyStore.location=/etc/paddock/tls/zoo1-keystore.pem', 'ssl.quorum.trustStore.location=/etc/paddock/tls/ca.pem']
const cfg = (...lines: string[]) => parseZooCfg([...ensemble, ...lines].join('\n'), 'zoo.cfg')

describe('portUnification between members', () => {
  it('is off by default, and member ports speak plain text without sslQuorum', () => {
    const config = cfg()
    expect(config.tls.quorum).toMatchObject({ enabled: false, portUnification: false })
    expect(memberOptionsFor(config, 1).quorumTls).toBeUndefined()
  })

  it('parses portUnification=true: the ports take TLS with the stores, the member dials in plain text (step 1)', () => {
    const config = cfg('portUnification=true', 'sslQuorum=false', ...stores)
    expect(config.warnings).toEqual([])
    expect(config.tls.quorum).toMatchObject({ enabled: false, portUnification: true })
    expect(memberOptionsFor(config, 1).quorumTls).toMatchObject({
      portUnification: true,
      dialTls: false,
      keyStore: { location: '/etc/paddock/tls/zoo1-keystore.pem' },
      trustStore: { location: '/etc/paddock/tls/ca.pem' },
    })
  })

  it('with sslQuorum=true dials with TLS and still takes plain text (step 2); without it takes TLS only (step 3)', () => {
    expect(memberOptionsFor(cfg('portUnification=true', 'sslQuorum=true', ...stores), 1).quorumTls).toMatchObject({ portUnification: true, dialTls: true })
    expect(memberOptionsFor(cfg('portUnification=false', 'sslQuorum=true', ...stores), 1).quorumTls).toMatchObject({ portUnification: false, dialTls: true })
  })

  it('refuses portUnification=true without a quorum key or trust store, naming the key and its line', () => {
    expect(() => cfg('sslQuorum=true', 'portUnification=true')).toThrow(ConfigError)
    expect(() => cfg('sslQuorum=true', 'portUnification=true')).toThrow(/zoo\.cfg:5: sslQuorum=true but ssl\.quorum\.keyStore\.location is not set/)
    expect(() => cfg('portUnification=true')).toThrow(/zoo\.cfg:5: portUnification=true but ssl\.quorum\.keyStore\.location is not set/)
    expect(() => cfg('portUnification=true', stores[0] as string)).toThrow(/portUnification=true but ssl\.quorum\.trustStore\.location is not set/)
  })

  it('refuses a value that is not true or false', () => {
    expect(() => cfg('portUnification=sometimes')).toThrow(/zoo\.cfg:5: portUnification must be true or false, got "sometimes"/)
  })

  it('warns of ssl.quorum stores that neither sslQuorum nor portUnification uses', () => {
    const config = cfg('portUnification=false', ...stores)
    expect(config.warnings.join('\n')).toMatch(/ssl\.quorum\.keyStore\.location, ssl\.quorum\.trustStore\.location set, but neither sslQuorum nor portUnification is true/)
    expect(memberOptionsFor(config, 1).quorumTls).toBeUndefined()
  })
})
