// Method: each four-letter word sent as the first bytes of a real connection, answered and closed as ZooKeeper's NIOServerCnxn.checkFourLetterWord does.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RawClient, create, fourLetterWord, startFixture, type Fixture } from './helpers.js'

let fx: Fixture
let c: RawClient
beforeEach(async () => {
  fx = await startFixture()
  ;[c] = await RawClient.session(fx.port.address.port)
  await c.call(create('/e', 1))
  await c.call({ op: 'getData', path: '/e', watch: true })
})
afterEach(async () => {
  c.destroy()
  await fx.close()
})

const word = (w: string) => fourLetterWord(fx.port.address.port, w)

describe('four-letter words', () => {
  it('ruok answers imok and isro answers rw', async () => {
    expect(await word('ruok')).toBe('imok')
    expect(await word('isro')).toBe('rw')
  })

  it('srvr prints the version, latency, counters, zxid, Mode: standalone and the node count', async () => {
    const text = await word('srvr')
    expect(text).toMatch(/^Zookeeper version: 3\.9\.5-paddock/)
    expect(text).toMatch(/\nLatency min\/avg\/max: \d+\/\d+(\.\d+)?\/\d+\n/)
    expect(text).toMatch(/\nReceived: \d+\nSent: \d+\nConnections: 1\nOutstanding: 0\n/)
    expect(text).toContain(`\nZxid: 0x${fx.member.lastProcessedZxid.toString(16)}\n`)
    expect(text).toContain('\nMode: standalone\n')
    expect(text).toContain(`\nNode count: ${fx.member.tree.size + 1}\n`)
    expect(text).not.toContain('Clients:')
  })

  it('stat adds the client list', async () => {
    const text = await word('stat')
    expect(text).toMatch(/\nClients:\n \/127\.0\.0\.1:\d+\[1\]\(queued=0,recved=\d+,sent=\d+\)\n\n/)
  })

  it('cons prints each connection with its session details; crst resets them', async () => {
    expect(await word('cons')).toMatch(/^ \/127\.0\.0\.1:\d+\[1\]\(queued=0,recved=3,sent=3,sid=0x[0-9a-f]+,lop=GETD,est=\d+,to=\d+,lcxid=0x2,lzxid=0x[0-9a-f]+,lresp=\d+,llat=\d+,minlat=\d+,avglat=[\d.]+,maxlat=\d+\)\n\n$/)
    expect(await word('crst')).toBe('Connection stats reset.\n')
    expect(await word('cons')).toMatch(/recved=0,sent=0,sid=0x[0-9a-f]+,lop=NA/)
    expect(await word('srst')).toBe('Server stats reset.\n')
  })

  it('mntr prints tab-separated zk_ keys', async () => {
    const lines = (await word('mntr')).trimEnd().split('\n')
    const values = new Map(lines.map((l) => l.split('\t') as [string, string]))
    expect(values.get('zk_server_state')).toBe('standalone')
    expect(values.get('zk_znode_count')).toBe(String(fx.member.tree.size + 1))
    expect(values.get('zk_ephemerals_count')).toBe('1')
    expect(values.get('zk_watch_count')).toBe('1')
    expect(values.get('zk_num_alive_connections')).toBe('1')
    expect(values.get('zk_avg_latency')).toMatch(/^\d+\.\d+$/)
    for (const key of ['zk_version', 'zk_min_latency', 'zk_max_latency', 'zk_packets_received', 'zk_packets_sent', 'zk_outstanding_requests']) expect(values.has(key)).toBe(true)
  })

  it('conf, dump, envi, wchs, wchc, wchp', async () => {
    expect(await word('conf')).toMatch(/^clientPort=\d+\n.*tickTime=2000\nmaxClientCnxns=60\nminSessionTimeout=4000\nmaxSessionTimeout=40000\n/s)
    const dump = await word('dump')
    expect(dump).toMatch(/^SessionTracker dump:\nSession Sets \(1\)\/\(1\):\n1 expire at .*:\n\t0x[0-9a-f]+\n/)
    expect(dump).toMatch(/ephemeral nodes dump:\nSessions with Ephemerals \(1\):\n0x[0-9a-f]+:\n\t\/e\n/)
    expect(await word('envi')).toMatch(/^Environment:\nzookeeper\.version=/)
    expect(await word('wchs')).toBe('1 connections watching 1 paths\nTotal watches:1\n')
    expect(await word('wchc')).toMatch(/^0x[0-9a-f]+\n\t\/e\n\n$/)
    expect(await word('wchp')).toMatch(/^\/e\n\t0x[0-9a-f]+\n\n$/)
  })

  it('answers a word outside the whitelist with ZooKeeper text; srvr is always enabled', async () => {
    await fx.close()
    fx = await startFixture({ fourLetterWordsWhitelist: undefined })
    ;[c] = await RawClient.session(fx.port.address.port)
    expect(await word('ruok')).toBe('ruok is not executed because it is not in the whitelist.\n')
    expect(await word('srvr')).toMatch(/^Zookeeper version:/)
  })

  it('does not take a four-letter word after the handshake: it is a bad frame length there', async () => {
    c.write('ruok')
    c.write(new Uint8Array(0))
    await c.closed
    expect(fx.warnings).toEqual([expect.stringMatching(/four-letter word "ruok" after the first frame/)])
  })
})
