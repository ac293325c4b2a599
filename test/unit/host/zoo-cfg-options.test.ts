// Method: zoo.cfg texts parsed and mapped; each ZooKeeper key checked against the option it sets, and the defaults ZooKeeper applies when a key is absent.
import { isAbsolute } from 'node:path'
import { describe, expect, it } from 'vitest'
import { memberOptionsFor, serverOptionsFor } from '../../../lib/host/zoo-cfg-options.js'
import { parseZooCfg } from '../../../lib/config/zoo-cfg.js'

const cfg = (text: string) => parseZooCfg(`tickTime=2000\n${text}`, 'zoo.cfg')
const ensemble = 'dataDir=/d\ninitLimit=7\nsyncLimit=3\nserver.1=h1:2888:3888\nserver.2=h2:2888:3888;10.0.0.2:2182\nserver.3=h3:2888:3888\n'

describe('serverOptionsFor', () => {
  it('binds every address when zoo.cfg names none, as ZooKeeper does, and clientPortAddress when it does', () => {
    expect(serverOptionsFor(cfg('clientPort=2181\n'))).toMatchObject({ host: '0.0.0.0', port: 2181 })
    expect(serverOptionsFor(cfg('clientPort=2181\nclientPortAddress=127.0.0.1\n'))).toMatchObject({ host: '127.0.0.1', port: 2181 })
  })

  it("takes the member's ;address:port from its server line when there is no clientPort", () => {
    expect(serverOptionsFor(cfg(ensemble), 2)).toMatchObject({ host: '10.0.0.2', port: 2182 })
    expect(serverOptionsFor(cfg(ensemble), 1)).toMatchObject({ host: '0.0.0.0', port: 2181 })
  })

  it('makes dataDir absolute, ./data when unset', () => {
    expect(serverOptionsFor(cfg('dataDir=/var/lib/paddock\n')).dataDir).toBe('/var/lib/paddock')
    const relative = serverOptionsFor(cfg('')).dataDir
    expect(isAbsolute(relative) && relative.endsWith('/data')).toBe(true)
  })

  it('maps the server keys', () => {
    const options = serverOptionsFor(cfg('minSessionTimeout=3000\nmaxSessionTimeout=9000\nmaxClientCnxns=7\njute.maxbuffer=4096\nsnapCount=500\nautopurge.snapRetainCount=4\nautopurge.purgeInterval=2\nzookeeper.extendedTypesEnabled=true\n4lw.commands.whitelist=ruok,srvr\n'))
    expect(options).toMatchObject({ tickTimeMs: 2000, minSessionTimeoutMs: 3000, maxSessionTimeoutMs: 9000, maxClientCnxns: 7, maxDataBytes: 4096, snapCount: 500, snapRetainCount: 4, purgeIntervalHours: 2, extendedTypesEnabled: true, fourLetterWordsWhitelist: 'ruok,srvr' })
  })

  it("keeps the file's text for the admin server's initial_configuration", () => {
    expect(serverOptionsFor(cfg('clientPort=2181\n')).initialConfiguration).toBe('tickTime=2000\nclientPort=2181\n')
  })

  it('maps admin.serverPort to adminServerPort, and leaves the admin server off without it', () => {
    expect(serverOptionsFor(cfg('admin.serverPort=8081\n')).adminServerPort).toBe(8081)
    expect(serverOptionsFor(cfg(''))).not.toHaveProperty('adminServerPort')
  })
})

describe('memberOptionsFor', () => {
  it('adds the member id, the server list and the ensemble limits', () => {
    const config = cfg(ensemble)
    const options = memberOptionsFor(config, 3)
    expect(options).toMatchObject({ myid: 3, initLimit: 7, syncLimit: 3, tickTimeMs: 2000 })
    expect(options.servers.map((s) => s.id)).toEqual([1, 2, 3])
  })
})
