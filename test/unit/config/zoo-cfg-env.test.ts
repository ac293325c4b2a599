// Method: the PADDOCK_* rule applied to every key Paddock reads (injective, and each variable read
// back to its key), then parseZooCfg with hand-made environments over zoo.cfg texts: overrides,
// additions, aliases, bad values naming the variable, unknown variables warned about, and the
// record of what came from the environment.
import { describe, expect, it } from 'vitest'
import { ConfigError, parseZooCfg } from '../../../lib/config/zoo-cfg.js'
import { environmentLines } from '../../../lib/config/zoo-cfg-env.js'
import { envVariableOf, isZooCfgKey, keyOfEnvVariable, zooCfgKeys } from '../../../lib/config/zoo-cfg-keys.js'

const file = 'conf/zoo.cfg'

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (e) {
    if (e instanceof ConfigError) return e
    throw e
  }
  throw new Error('no ConfigError thrown')
}

describe('the PADDOCK_* rule', () => {
  it('upper-cases the key and makes every character but a letter or digit an underscore', () => {
    expect(envVariableOf('clientPort')).toBe('PADDOCK_CLIENTPORT')
    expect(envVariableOf('znode.container.checkIntervalMs')).toBe('PADDOCK_ZNODE_CONTAINER_CHECKINTERVALMS')
    expect(envVariableOf('4lw.commands.whitelist')).toBe('PADDOCK_4LW_COMMANDS_WHITELIST')
    expect(envVariableOf('zookeeper.request_throttle_max_requests')).toBe('PADDOCK_ZOOKEEPER_REQUEST_THROTTLE_MAX_REQUESTS')
    expect(envVariableOf('zookeeper.fips-mode')).toBe('PADDOCK_ZOOKEEPER_FIPS_MODE')
    expect(envVariableOf('server.3')).toBe('PADDOCK_SERVER_3')
  })

  it('gives every key Paddock reads its own variable, read back to that key', () => {
    const variables = zooCfgKeys.map(envVariableOf)
    expect(new Set(variables).size).toBe(zooCfgKeys.length)
    for (const key of zooCfgKeys) expect(keyOfEnvVariable(envVariableOf(key)), key).toBe(key)
  })

  it('reads the numbered families back with their number, and nothing else', () => {
    expect(keyOfEnvVariable('PADDOCK_SERVER_12')).toBe('server.12')
    expect(keyOfEnvVariable('PADDOCK_AUTHPROVIDER_1')).toBe('authProvider.1')
    expect(keyOfEnvVariable('PADDOCK_SERVER_X')).toBeUndefined()
    expect(keyOfEnvVariable('PADDOCK_FROBNICATE')).toBeUndefined()
    expect(isZooCfgKey('server.12')).toBe(true)
    expect(isZooCfgKey('frobnicate')).toBe(false)
  })

  it('takes only PADDOCK_ variables, leaves out Paddock\'s own PADDOCK_PORT and PADDOCK_CODE_CACHE, trims values and lists the unknown', () => {
    const env = { PATH: '/bin', PADDOCK_PORT: '2182', PADDOCK_CODE_CACHE: 'off', PADDOCK_CLIENTPORT: ' 2183 ', PADDOCK_NOPE: 'x', HOME: '/root' }
    expect(environmentLines(env)).toEqual({
      lines: [{ key: 'clientPort', value: '2183', line: 0, variable: 'PADDOCK_CLIENTPORT' }],
      unknown: ['PADDOCK_NOPE'],
    })
  })
})

describe('parseZooCfg with an environment', () => {
  const text = 'tickTime=2000\ndataDir=/var/lib/zk\nclientPort=2181\nmaxCnxns=10\n'

  it('lets a variable override the file\'s key and records which, without the value', () => {
    const config = parseZooCfg(text, file, { env: { PADDOCK_CLIENTPORT: '2190', PADDOCK_SSL_KEYSTORE_PASSWORD: 'secret' } })
    expect(config.clientPort).toBe(2190)
    expect(config.tls.keyStore.password).toBe('secret')
    expect(config.fromEnvironment).toEqual([
      { key: 'clientPort', variable: 'PADDOCK_CLIENTPORT', overridesLine: 3 },
      { key: 'ssl.keyStore.password', variable: 'PADDOCK_SSL_KEYSTORE_PASSWORD', overridesLine: undefined },
    ])
    expect(JSON.stringify(config.fromEnvironment)).not.toContain('secret')
  })

  it('overrides a key the file sets under another of its names', () => {
    const config = parseZooCfg(text, file, { env: { PADDOCK_ZOOKEEPER_MAXCNXNS: '20' } })
    expect(config.maxCnxns).toBe(20)
    expect(config.fromEnvironment).toEqual([{ key: 'zookeeper.maxCnxns', variable: 'PADDOCK_ZOOKEEPER_MAXCNXNS', overridesLine: 4 }])
  })

  it('adds ensemble members from PADDOCK_SERVER_N', () => {
    const config = parseZooCfg(text, file, {
      env: { PADDOCK_SERVER_1: 'zoo1:2888:3888', PADDOCK_SERVER_2: 'zoo2:2888:3888', PADDOCK_SERVER_3: 'zoo3:2888:3888' },
    })
    expect(config.servers.map((s) => `${s.id}@${s.host}`)).toEqual(['1@zoo1', '2@zoo2', '3@zoo3'])
  })

  it('names the variable when its value is wrong', () => {
    const error = errorOf(() => parseZooCfg(text, file, { env: { PADDOCK_CLIENTPORT: 'abc' } }))
    expect(error.message).toBe('PADDOCK_CLIENTPORT (environment): clientPort must be an integer in [0, 65535], got "abc"')
    expect(error.line).toBeUndefined()
  })

  it('refuses one setting given by two variables under two of its names', () => {
    const error = errorOf(() => parseZooCfg(text, file, { env: { PADDOCK_MAXCNXNS: '1', PADDOCK_ZOOKEEPER_MAXCNXNS: '2' } }))
    expect(error.message).toMatch(/^PADDOCK_ZOOKEEPER_MAXCNXNS \(environment\): zookeeper\.maxCnxns is set twice \(first by PADDOCK_MAXCNXNS as maxCnxns\)$/)
  })

  it('warns about PADDOCK_ variables that name no key, and ignores them', () => {
    const config = parseZooCfg(text, file, { env: { PADDOCK_CLIENTPROT: '1', PADDOCK_PORT: '1' } })
    expect(config.clientPort).toBe(2181)
    expect(config.warnings).toEqual(['PADDOCK_CLIENTPROT (environment): names no zoo.cfg key Paddock reads; ignored'])
  })

  it('reads no environment unless given one', () => {
    const saved = process.env['PADDOCK_CLIENTPORT']
    process.env['PADDOCK_CLIENTPORT'] = '3000'
    try {
      expect(parseZooCfg(text, file).clientPort).toBe(2181)
    } finally {
      if (saved === undefined) delete process.env['PADDOCK_CLIENTPORT']
      else process.env['PADDOCK_CLIENTPORT'] = saved
    }
  })
})
