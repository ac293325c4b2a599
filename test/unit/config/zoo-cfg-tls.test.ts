// Method: zoo.cfg texts with ZooKeeper 3.9's client TLS keys parsed and mapped onto ServerOptions,
// checking each key lands where ZooKeeper would use it and which lines warn.
import { describe, expect, it } from 'vitest'
import { parseZooCfg } from '../../../lib/config/zoo-cfg.js'
import { serverOptionsFor } from '../../../lib/host/zoo-cfg-options.js'

const secure = [
  'dataDir=/var/lib/paddock',
  'clientPort=2181',
  'secureClientPort=2281',
  'serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory',
  'authProvider.x509=org.apache.zookeeper.server.auth.X509AuthenticationProvider',
  'ssl.keyStore.location=/etc/paddock/server.pem',
  'ssl.keyStore.password=pw',
  'ssl.keyStore.type=PEM',
  'ssl.trustStore.location=/etc/paddock/ca.pem',
  'ssl.trustStore.passwordPath=/etc/paddock/ca.pw',
  'ssl.trustStore.type=PEM',
  'ssl.clientAuth=want',
  'ssl.protocol=TLSv1.2',
  'ssl.enabledProtocols=TLSv1.2, TLSv1.3',
  'ssl.ciphersuites=TLS_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'ssl.clientHostnameVerification=true',
  'client.portUnification=true',
  'client.certReload=true',
  'zookeeper.X509AuthenticationProvider.superUser=CN=admin,O=Acme',
  '',
].join('\n')

describe('zoo.cfg client TLS keys', () => {
  it('parses every key without a warning', () => {
    const config = parseZooCfg(secure, 'zoo.cfg')
    expect(config.warnings).toEqual([])
    expect(config.secureClientPort).toBe(2281)
    expect(config.tls).toMatchObject({
      keyStore: { location: '/etc/paddock/server.pem', password: 'pw', type: 'PEM' },
      trustStore: { location: '/etc/paddock/ca.pem', passwordPath: '/etc/paddock/ca.pw', type: 'PEM' },
      clientAuth: 'want',
      protocol: 'TLSv1.2',
      enabledProtocols: ['TLSv1.2', 'TLSv1.3'],
      ciphersuites: ['TLS_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
      hostnameVerification: true,
      clientHostnameVerification: true,
      portUnification: true,
      certReload: true,
      x509SuperUser: 'CN=admin,O=Acme',
    })
  })

  it('maps onto ServerOptions.tls: the secure port on every address (secureClientPortAddress unset), the plain port kept', () => {
    const options = serverOptionsFor(parseZooCfg(secure, 'zoo.cfg'))
    expect(options.port).toBe(2181)
    expect(options.tls).toMatchObject({
      port: 2281,
      host: '0.0.0.0',
      keyStore: { location: '/etc/paddock/server.pem', password: 'pw', type: 'PEM' },
      trustStore: { location: '/etc/paddock/ca.pem', passwordPath: '/etc/paddock/ca.pw' },
      clientAuth: 'want',
      clientHostnameVerification: true,
      portUnification: true,
      certReload: true,
      x509SuperUser: 'CN=admin,O=Acme',
    })
  })

  it('with secureClientPort and no clientPort has no plain-text port; without TLS keys, no tls at all', () => {
    const tlsOnly = serverOptionsFor(parseZooCfg('secureClientPort=2281\nsecureClientPortAddress=10.0.0.1\nssl.keyStore.location=/k.pem\n', 'zoo.cfg'))
    expect(tlsOnly.port).toBeUndefined()
    expect(tlsOnly.tls).toMatchObject({ port: 2281, host: '10.0.0.1', clientAuth: 'need' })
    const plain = serverOptionsFor(parseZooCfg('clientPort=2181\n', 'zoo.cfg'))
    expect(plain.port).toBe(2181)
    expect(plain).not.toHaveProperty('tls')
  })

  it('takes an empty ssl.clientAuth as need, the superuser under its zoo.cfg name, and ssl.hostnameVerification=false as no hostname check at all', () => {
    const config = parseZooCfg('secureClientPort=2281\nssl.keyStore.location=/k.pem\nssl.clientAuth=\nX509AuthenticationProvider.superUser=CN=root\nssl.hostnameVerification=false\nssl.clientHostnameVerification=true\n', 'zoo.cfg')
    expect(config.tls.clientAuth).toBe('need')
    expect(config.tls.x509SuperUser).toBe('CN=root')
    expect(serverOptionsFor(config).tls?.clientHostnameVerification).toBe(false)
  })

  it('warns of an auth provider class it cannot load and accepts the ones built in', () => {
    const config = parseZooCfg('clientPort=2181\nauthProvider.1=org.apache.zookeeper.server.auth.DigestAuthenticationProvider\nauthProvider.2=com.example.LdapProvider\n', 'zoo.cfg')
    expect(config.warnings).toEqual(['zoo.cfg:3: authProvider.2=com.example.LdapProvider ignored: Paddock cannot load Java classes (x509, digest, ip and sasl are built in)'])
  })

  it('refuses a bad flag with the file and line', () => {
    expect(() => parseZooCfg('secureClientPort=2281\nssl.keyStore.location=/k.pem\nclient.certReload=sometimes\n', 'zoo.cfg')).toThrow('zoo.cfg:3: client.certReload must be true or false, got "sometimes"')
  })
})
