// Method: four-letter words sent over a raw socket to each target's client port, their answers parsed as ZooKeeper prints them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fourLetterWord } from './harness/four-letter.js'
import { connectNzk, zookeeper, type NzkClient } from './harness/nzk.js'
import { defaultSettings, hookTimeoutMs, targets, type RunningServer } from './harness/targets.js'

/** `key<sep>value` lines as a map (srvr and conf use ': ' and '=', mntr a tab). */
function fields(text: string, separator: string | RegExp): Map<string, string> {
  const map = new Map<string, string>()
  for (const line of text.split('\n')) {
    const match = line.split(separator)
    if (match.length >= 2 && match[0] !== undefined) map.set(match[0].trim(), match.slice(1).join('').trim())
  }
  return map
}

/**
 * '/', '/zookeeper', '/zookeeper/config', '/zookeeper/quota', '/flw', '/flw/eph', plus one: ZooKeeper's
 * DataTree keeps the root under both '' and '/' and counts it twice.
 */
const nodeCount = 7

describe.each(targets)('$name: four-letter words', (target) => {
  let server: RunningServer
  let client: NzkClient
  const ask = (word: string) => fourLetterWord(server.host, server.port, word)

  beforeAll(async () => {
    server = await target.start(defaultSettings)
    client = await connectNzk(server.connectString)
    await client.create('/flw', '')
    await client.create('/flw/eph', '', zookeeper.CreateMode.EPHEMERAL)
  }, hookTimeoutMs)

  afterAll(async () => {
    await client?.close()
    await server?.stop()
  }, hookTimeoutMs)

  it('answers ruok with imok and isro with rw', async () => {
    expect(await ask('ruok')).toBe('imok')
    expect(await ask('isro')).toBe('rw')
  })

  it('reports standalone mode, the zxid and the connections in srvr and stat', async () => {
    const srvr = fields(await ask('srvr'), ': ')
    expect(srvr.get('Zookeeper version')).toMatch(/^\d+\.\d+\.\d+/)
    expect(srvr.get('Mode')).toBe('standalone')
    expect(srvr.get('Zxid')).toMatch(/^0x[0-9a-f]+$/)
    expect(Number(srvr.get('Connections'))).toBeGreaterThanOrEqual(1)
    const stat = await ask('stat')
    expect(stat).toMatch(/^Clients:$/m)
    expect(stat).toMatch(/^Mode: standalone$/m)
  })

  it('lists the configuration in conf with the port and session bounds it runs with', async () => {
    const conf = fields(await ask('conf'), '=')
    expect(conf.get('clientPort')).toBe(String(server.port))
    expect(conf.get('tickTime')).toBe(String(defaultSettings.tickTimeMs))
    expect(conf.get('minSessionTimeout')).toBe(String(defaultSettings.minSessionTimeoutMs))
    expect(conf.get('maxSessionTimeout')).toBe(String(defaultSettings.maxSessionTimeoutMs))
  })

  it('counts the znodes in srvr and mntr as ZooKeeper does, root twice', async () => {
    expect(Number(fields(await ask('srvr'), ': ').get('Node count'))).toBe(nodeCount)
    expect(Number(fields(await ask('mntr'), '\t').get('zk_znode_count'))).toBe(nodeCount)
  })

  it('reports the server state and the ephemeral count in mntr', async () => {
    const mntr = fields(await ask('mntr'), '\t')
    expect(mntr.get('zk_server_state')).toBe('standalone')
    expect(Number(mntr.get('zk_ephemerals_count'))).toBe(1)
    expect(Number(mntr.get('zk_num_alive_connections'))).toBeGreaterThanOrEqual(1)
  })

  it('reports read and write latency counters in mntr, percentiles included', async () => {
    const mntr = fields(await ask('mntr'), '\t')
    for (const name of ['readlatency', 'updatelatency']) {
      for (const key of ['avg', 'min', 'max', 'cnt', 'sum', 'p50', 'p95', 'p99', 'p999']) {
        expect(mntr.get(`zk_${key}_${name}`), `zk_${key}_${name}`).toMatch(/^\d+(\.\d+)?$/)
      }
    }
    // The suite's writes (the nodes and the ephemeral) were counted.
    expect(Number(mntr.get('zk_cnt_updatelatency'))).toBeGreaterThanOrEqual(nodeCount - 5)
    expect(Number(mntr.get('zk_p50_updatelatency'))).toBeLessThanOrEqual(Number(mntr.get('zk_p99_updatelatency')))
  })

  it('lists the session and its ephemeral in dump and the watched paths in wchp', async () => {
    await client.getData('/flw', () => undefined)
    const dump = await ask('dump')
    expect(dump).toContain(`0x${client.sessionIdHex.replace(/^0+/, '')}`)
    expect(dump).toContain('/flw/eph')
    const wchp = await ask('wchp')
    expect(wchp).toMatch(/^\/flw$/m)
  })

  it('summarises watches in wchs, lists connections in cons, resets them with crst, and prints envi', async () => {
    await client.getData('/flw', () => undefined)
    expect(await ask('wchs')).toMatch(/^1 connections watching 1 paths\nTotal watches:1\n?$/)
    expect(await ask('cons')).toMatch(/^ \/127\.0\.0\.1:\d+\[\d+\]\(queued=\d+,recved=\d+,sent=\d+/m)
    expect(await ask('crst')).toBe('Connection stats reset.\n')
    expect(await ask('envi')).toMatch(/^Environment:\nzookeeper\.version=/)
  })
})
