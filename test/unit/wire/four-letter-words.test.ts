// Method: the four-letter-word formatter on fixed figures, compared with ZooKeeper's exact text (StatCommand, ServerStats.toString, dumpConnectionInfo, MonitorCommand).
import { describe, expect, it } from 'vitest'
import { answerFourLetterWord, fourLetterWordsReadingDirectories, javaDouble, javaHex, parseFourLetterWhitelist, type FourLetterContext } from '../../../lib/wire/four-letter-words.js'

const ctx: FourLetterContext = {
  server: {
    version: '3.9.5-paddock-0.1.0, built on n/a', mode: 'standalone', readOnly: false, lastProcessedZxid: 0x1f, znodeCount: 7,
    approximateDataSize: 99, sessions: [{ sessionId: 0x10n, expiresAtMs: 4000 }], ephemerals: new Map([[0x10n, ['/e']]]),
    watchesBySession: new Map([[0x10n, ['/a', '/b']]]), tickTimeMs: 2000, minSessionTimeoutMs: 4000, maxSessionTimeoutMs: 40000,
    myid: 0, dataDir: '', dataLogDir: '', traceMask: 306n,
  },
  port: {
    connections: [{
      remoteAddress: '127.0.0.1', remotePort: 5000, interestOps: 1, queued: 0, received: 3, sent: 2, sessionId: 0x10n, lastOperation: 'PING',
      establishedMs: 1, sessionTimeoutMs: 4000, lastCxid: 2, lastZxid: 0x1f, lastResponseMs: 9, lastLatencyMs: 1, latency: { minMs: 0, avgMs: 0.5, maxMs: 1 },
    }],
    packetsReceived: 3, packetsSent: 2, outstandingRequests: 0, latency: { minMs: 0, avgMs: 0, maxMs: 0 }, clientPort: 2181, maxClientCnxns: 60,
    uptimeMs: 10, environment: [['host.name', 'h']],
  },
}
const all = parseFourLetterWhitelist('*')

describe('four-letter words', () => {
  it('formats srvr as ServerStats.toString plus the node count', () => {
    expect(answerFourLetterWord('srvr', all, ctx).text).toBe(
      'Zookeeper version: 3.9.5-paddock-0.1.0, built on n/a\nLatency min/avg/max: 0/0.0/0\nReceived: 3\nSent: 2\nConnections: 1\nOutstanding: 0\nZxid: 0x1f\nMode: standalone\nNode count: 7\n',
    )
  })

  it('formats stat with the brief client list and cons with the full one', () => {
    expect(answerFourLetterWord('stat', all, ctx).text).toContain('Clients:\n /127.0.0.1:5000[1](queued=0,recved=3,sent=2)\n\nLatency')
    expect(answerFourLetterWord('cons', all, ctx).text).toBe(
      ' /127.0.0.1:5000[1](queued=0,recved=3,sent=2,sid=0x10,lop=PING,est=1,to=4000,lcxid=0x2,lzxid=0x1f,lresp=9,llat=1,minlat=0,avglat=0.5,maxlat=1)\n\n',
    )
  })

  it('formats mntr as zk_ key, tab, value lines', () => {
    const text = answerFourLetterWord('mntr', all, ctx).text
    expect(text.startsWith('zk_version\t3.9.5-paddock-0.1.0, built on n/a\nzk_server_state\tstandalone\nzk_avg_latency\t0.0\n')).toBe(true)
    expect(text).toContain('zk_watch_count\t2\n')
    expect(text).toContain('zk_ephemerals_count\t1\n')
  })

  it('keeps srvr enabled whatever the whitelist, and answers others with the whitelist text', () => {
    const srvrOnly = parseFourLetterWhitelist('')
    expect(srvrOnly.has('srvr')).toBe(true)
    expect(answerFourLetterWord('mntr', srvrOnly, ctx).text).toBe('mntr is not executed because it is not in the whitelist.\n')
    expect(parseFourLetterWhitelist(' stat , ruok').has('ruok')).toBe(true)
    expect(parseFourLetterWhitelist('', true).has('isro')).toBe(true)
  })

  it('reports the resets crst and srst ask for', () => {
    expect(answerFourLetterWord('crst', all, ctx)).toEqual({ text: 'Connection stats reset.\n', effect: 'resetConnectionStats' })
    expect(answerFourLetterWord('srst', all, ctx).effect).toBe('resetServerStats')
  })

  it('prints the measured directory sizes in dirs and conf (DirsCommand, ZooKeeperServer.dumpConf)', () => {
    const measured = { ...ctx, directories: { dataDirBytes: 8192, dataLogDirBytes: 8192 } }
    expect(answerFourLetterWord('dirs', all, measured).text).toBe('datadir_size: 8192\nlogdir_size: 8192\n')
    expect(answerFourLetterWord('conf', all, measured).text).toContain('dataDir=\ndataDirSize=8192\ndataLogDir=\ndataLogSize=8192\n')
    expect(fourLetterWordsReadingDirectories).toEqual(new Set(['conf', 'dirs']))
  })

  it('refuses to print directory sizes nobody measured rather than print 0', () => {
    expect(() => answerFourLetterWord('dirs', all, ctx)).toThrow(TypeError)
  })

  it('answers gtmk and stmk with the trace mask in force', () => {
    const masked = { ...ctx, server: { ...ctx.server, traceMask: -1n } }
    expect(answerFourLetterWord('gtmk', all, masked).text).toBe('-1')
    expect(answerFourLetterWord('stmk', all, masked).text).toBe('-1')
  })

  it('answers conf, dirs, crst and srst with "not currently serving" while looking, resetting nothing', () => {
    const looking = { ...ctx, server: { ...ctx.server, mode: 'looking' }, directories: { dataDirBytes: 1, dataLogDirBytes: 1 } }
    for (const word of ['conf', 'dirs', 'crst', 'srst'] as const) {
      expect(answerFourLetterWord(word, all, looking), word).toEqual({ text: 'This ZooKeeper instance is not currently serving requests\n', effect: 'none' })
    }
  })

  it('answers ruok with imok only while serving, and with nothing while looking or failed', () => {
    expect(answerFourLetterWord('ruok', all, ctx).text).toBe('imok')
    const looking = { ...ctx, server: { ...ctx.server, mode: 'looking' } }
    expect(answerFourLetterWord('ruok', all, looking).text).toBe('')
  })

  it('prints numbers as Java does', () => {
    expect(javaHex(-1n)).toBe('ffffffffffffffff')
    expect(javaHex(255)).toBe('ff')
    expect(javaDouble(2)).toBe('2.0')
    expect(javaDouble(1.25)).toBe('1.25')
  })
})
