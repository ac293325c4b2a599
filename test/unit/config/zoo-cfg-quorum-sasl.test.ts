// Method: parse zoo.cfg texts with the quorum.auth.* keys and compare the settings, the options
// memberOptionsFor maps them to, and the errors ZooKeeper's QuorumPeerConfig gives for the same switches.
import { describe, expect, it } from 'vitest'
import { memberOptionsFor, parseZooCfg } from '../../../lib/index.js'

const ensemble = ['dataDir=/var/lib/paddock', 'server.1=127.0.0.1:2888:3888', 'server.2=127.0.0.1:2889:3889', 'server.3=127.0.0.1:2890:3890']
const cfg = (...lines: string[]) => parseZooCfg([...ensemble, ...lines].join('\n'), 'zoo.cfg')

describe('quorum.auth keys', () => {
  it('reads the switches and the login contexts, with ZooKeeper\'s defaults', () => {
    expect(cfg().sasl).toMatchObject({ quorumEnableSasl: false, quorumLearnerRequireSasl: false, quorumServerRequireSasl: false, quorumLearnerSection: 'QuorumLearner', quorumServerSection: 'QuorumServer' })
    const config = cfg(
      'java.security.auth.login.config=/etc/paddock/jaas.conf',
      'quorum.auth.enableSasl=true',
      'quorum.auth.learnerRequireSasl=true',
      'quorum.auth.serverRequireSasl=true',
      'quorum.auth.learner.saslLoginContext=Me',
      'quorum.auth.server.saslLoginContext=Members',
    )
    expect(config.warnings).toEqual([])
    expect(memberOptionsFor(config, 2).quorumSasl).toEqual({
      jaasFile: '/etc/paddock/jaas.conf',
      learnerSection: 'Me',
      serverSection: 'Members',
      learnerRequireSasl: true,
      serverRequireSasl: true,
    })
    // The JAAS file serves quorum SASL: clients get SASL only if it also has a Server section.
    expect(memberOptionsFor(config, 2).sasl).toMatchObject({ jaasFile: '/etc/paddock/jaas.conf', sectionOptional: true })
    expect(memberOptionsFor(cfg('jaasLoginConfig=/j.conf'), 1).quorumSasl).toBeUndefined()
  })

  it('refuses the switches ZooKeeper refuses, naming the line', () => {
    expect(() => cfg('quorum.auth.serverRequireSasl=true')).toThrow(/zoo.cfg:5: quorum.auth.enableSasl is false, so quorum.auth.serverRequireSasl cannot be true/)
    expect(() => cfg('quorum.auth.learnerRequireSasl=true')).toThrow(/quorum.auth.enableSasl is false, so quorum.auth.learnerRequireSasl cannot be true/)
    expect(() => cfg('jaasLoginConfig=/j', 'quorum.auth.enableSasl=true', 'quorum.auth.serverRequireSasl=true')).toThrow(/zoo.cfg:7: quorum.auth.learnerRequireSasl is false, so quorum.auth.serverRequireSasl cannot be true/)
    expect(() => cfg('quorum.auth.enableSasl=true')).toThrow(/quorum.auth.enableSasl=true needs a JAAS file \(java.security.auth.login.config or jaasLoginConfig\)/)
    expect(() => cfg('quorum.auth.enableSasl=yes')).toThrow(/quorum.auth.enableSasl=yes: expected true or false/)
  })

  it('answers Kerberos with a clear error', () => {
    expect(() => cfg('quorum.auth.kerberos.servicePrincipal=zkquorum/_HOST')).toThrow(/Kerberos \(GSSAPI\) between members is not supported by Paddock; quorum SASL is DIGEST-MD5/)
  })
})
