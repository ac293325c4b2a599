// Method: zoo.cfg texts with the settings ZooKeeper takes as Java system properties, under both of
// their names, checked against the ZooConfig and the server options they map to; the keys that
// change nothing must still check their values and warn once, saying why.
import { describe, expect, it } from 'vitest'
import { ConfigError, parseZooCfg, prometheusMetricsProviderClass } from '../../../lib/config/zoo-cfg.js'
import { serverOptionsFor } from '../../../lib/host/zoo-cfg-options.js'
import { envVariableOf, keyOfEnvVariable, zooCfgKeys } from '../../../lib/config/zoo-cfg-keys.js'

const file = 'zoo.cfg'

describe('system-property settings in zoo.cfg', () => {
  it('maps znode.container.checkIntervalMs onto the container sweep interval', () => {
    const config = parseZooCfg('znode.container.checkIntervalMs=5000\n', file)
    expect(config.containerCheckIntervalMs).toBe(5000)
    expect(serverOptionsFor(config).containerCheckIntervalMs).toBe(5000)
    expect(serverOptionsFor(parseZooCfg('', file)).containerCheckIntervalMs).toBeUndefined()
    expect(() => parseZooCfg('znode.container.checkIntervalMs=0\n', file)).toThrow(/znode\.container\.checkIntervalMs must be an integer in \[1,/)
  })

  it('maps zookeeper.maxCnxns (and ZooKeeper\'s zoo.cfg name maxCnxns) onto the total connection limit, 0 by default', () => {
    expect(parseZooCfg('', file).maxCnxns).toBe(0)
    expect(serverOptionsFor(parseZooCfg('zookeeper.maxCnxns=100\n', file)).maxCnxns).toBe(100)
    expect(parseZooCfg('maxCnxns=7\n', file).maxCnxns).toBe(7)
    expect(() => parseZooCfg('maxCnxns=-1\n', file)).toThrow(ConfigError)
  })

  it('takes globalOutstandingLimit and zookeeper.extendedTypesEnabled under either name, but not both', () => {
    expect(parseZooCfg('zookeeper.globalOutstandingLimit=5\n', file).globalOutstandingLimit).toBe(5)
    expect(parseZooCfg('extendedTypesEnabled=false\n', file).extendedTypesEnabled).toBe(false)
    expect(() => parseZooCfg('globalOutstandingLimit=5\nzookeeper.globalOutstandingLimit=6\n', file))
      .toThrow('zoo.cfg:2: zookeeper.globalOutstandingLimit is set twice (first on line 1 as globalOutstandingLimit)')
  })

  it('reads zookeeper.enforceQuota under either name, without a warning, and maps it onto the server options', () => {
    const on = parseZooCfg('zookeeper.enforceQuota=true\n', file)
    expect(on).toMatchObject({ enforceQuota: true, warnings: [] })
    expect(serverOptionsFor(on).enforceQuota).toBe(true)
    expect(serverOptionsFor(parseZooCfg('', file)).enforceQuota).toBe(false)
    const off = parseZooCfg('enforceQuota=false\n', file)
    expect(off).toMatchObject({ enforceQuota: false, warnings: [] })
    expect(() => parseZooCfg('zookeeper.enforceQuota=maybe\n', file)).toThrow('zoo.cfg:1: zookeeper.enforceQuota must be true or false, got "maybe"')
  })

  it('reads readonlymode.enabled (a system property in ZooKeeper), off by default, from the file or PADDOCK_READONLYMODE_ENABLED', () => {
    const on = parseZooCfg('readonlymode.enabled=true\n', file)
    expect(on).toMatchObject({ readOnlyModeEnabled: true, warnings: [] })
    expect(serverOptionsFor(on).readOnlyModeEnabled).toBe(true)
    expect(serverOptionsFor(parseZooCfg('', file)).readOnlyModeEnabled).toBeUndefined()
    expect(envVariableOf('readonlymode.enabled')).toBe('PADDOCK_READONLYMODE_ENABLED')
    expect(keyOfEnvVariable('PADDOCK_READONLYMODE_ENABLED')).toBe('readonlymode.enabled')
    expect(() => parseZooCfg('readonlymode.enabled=on\n', file)).toThrow('zoo.cfg:1: readonlymode.enabled must be true or false, got "on"')
  })

  it('warns that the RequestThrottler, snapshot.trust.empty and container rate keys change nothing, unless the value asks for nothing', () => {
    const text = [
      'zookeeper.request_throttle_max_requests=100',
      'request_throttle_stall_time=50',
      'zookeeper.request_throttle_drop_stale=false',
      'zookeeper.snapshot.trust.empty=true',
      'znode.container.maxPerMinute=100',
      'znode.container.maxNeverUsedIntervalMs=0',
    ].join('\n')
    const warnings = parseZooCfg(text, file).warnings
    expect(warnings).toHaveLength(5)
    expect(warnings[0]).toMatch(/^zoo\.cfg:1: zookeeper\.request_throttle_max_requests=100 has no effect: Paddock has no RequestThrottler; globalOutstandingLimit/)
    expect(warnings[1]).toMatch(/^zoo\.cfg:2: request_throttle_stall_time=50 has no effect/)
    expect(warnings[3]).toMatch(/^zoo\.cfg:4: zookeeper\.snapshot\.trust\.empty=true has no effect: Paddock rebuilds a dataDir without snapshots from its log/)
    expect(warnings[4]).toMatch(/^zoo\.cfg:5: znode\.container\.maxPerMinute=100 has no effect/)
    expect(parseZooCfg('zookeeper.request_throttle_max_requests=0\n', file).warnings).toEqual([])
    expect(() => parseZooCfg('zookeeper.request_throttle_max_requests=lots\n', file)).toThrow(/must be an integer/)
  })

  it('opens the Prometheus endpoint only for ZooKeeper\'s PrometheusMetricsProvider class: port 7000, loopback unless httpHost says', () => {
    const config = parseZooCfg(`metricsProvider.className=${prometheusMetricsProviderClass}\n`, file)
    expect(config.metrics).toEqual({ prometheus: true, host: undefined, port: 7000 })
    expect(serverOptionsFor(config)).toMatchObject({ metricsPort: 7000 })
    expect(serverOptionsFor(config).metricsHost).toBeUndefined()
    const placed = parseZooCfg(`metricsProvider.className=${prometheusMetricsProviderClass}\nmetricsProvider.httpHost=0.0.0.0\nmetricsProvider.httpPort=7001\n`, file)
    expect(serverOptionsFor(placed)).toMatchObject({ metricsPort: 7001, metricsHost: '0.0.0.0' })
    expect(placed.warnings).toEqual([])
  })

  it('opens nothing for the default provider, says so when a port is set anyway, and refuses a class it cannot load', () => {
    const quiet = parseZooCfg('metricsProvider.className=org.apache.zookeeper.metrics.impl.DefaultMetricsProvider\nmetricsProvider.httpPort=7001\n', file)
    expect(serverOptionsFor(quiet).metricsPort).toBeUndefined()
    expect(quiet.warnings).toEqual([`zoo.cfg: metricsProvider.httpPort set, but metricsProvider.className is not ${prometheusMetricsProviderClass}: no /metrics port is opened`])
    expect(() => parseZooCfg('metricsProvider.className=com.example.Metrics\n', file)).toThrow(/zoo\.cfg:1: metricsProvider\.className=com\.example\.Metrics: Paddock cannot load Java classes/)
  })

  it('accepts every key it lists without an unknown-key warning', () => {
    const values: Record<string, string> = { 'metricsProvider.className': prometheusMetricsProviderClass }
    const safe = zooCfgKeys.filter((key) => !/^(ssl|client\.|serverCnxnFactory|sslQuorum|secureClient|dynamicConfigFile|standaloneEnabled)/.test(key))
    for (const key of safe) {
      const value = values[key] ?? (/(Enabled|Verification|enable|Quota|empty|drop_stale|JvmInfo|fips-mode|forceSync|leaderServes)/i.test(key) ? 'true' : '5')
      let warnings: string[] = []
      try {
        warnings = parseZooCfg(`${key}=${value}\n`, file).warnings
      } catch (error) {
        // A value refused across keys (a session bound under another) was still read as that key.
        if (!(error instanceof ConfigError)) throw error
      }
      expect(warnings.filter((w) => w.includes('unknown key')), key).toEqual([])
    }
  })
})
