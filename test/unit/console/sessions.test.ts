// Method: one member's sessions built by hand, formatted by Paddock's own four-letter words (cons, dump, wchc) and admin commands (connections, dump, watches), parsed back by the console; plus Apache ZooKeeper-style text, and the merge of several members' reports.
import { describe, expect, it } from 'vitest'
import { mergeSessions, parseCons, parseDump, parseWchc, sessionHex, sessionsFromAdmin, sessionsFromFourLetterWords, type MemberSessionsReport } from '../../../lib/console/sessions.js'
import { runAdminCommand, type AdminContext } from '../../../lib/server/admin-commands.js'
import { MemberMetrics } from '../../../lib/server/metrics.js'
import { answerFourLetterWord, parseFourLetterWhitelist, type ConnectionInfo } from '../../../lib/wire/four-letter-words.js'

const nowMs = Date.UTC(2025, 11, 2, 5, 53, 0)
const alice = 0x1000a1b2c3d0001n
const bob = 0x1000a1b2c3d0002n

function connection(sessionId: bigint, remotePort: number, sessionTimeoutMs: number): ConnectionInfo {
  return {
    remoteAddress: '127.0.0.1', remotePort, interestOps: 1, queued: 0, received: 5, sent: 5, sessionId, lastOperation: 'PING',
    establishedMs: nowMs - 60_000, sessionTimeoutMs, lastCxid: 4, lastZxid: 3, lastResponseMs: nowMs, lastLatencyMs: 0, latency: { minMs: 0, avgMs: 0, maxMs: 1 },
  }
}

/** A member with alice connected (an ephemeral, a watch set twice) and bob known but connected elsewhere (a watch only). */
function context(): AdminContext {
  return {
    server: {
      version: '3.9.5-paddock-0.1.0, built on n/a', mode: 'follower', readOnly: false, lastProcessedZxid: 7, znodeCount: 9,
      approximateDataSize: 40, tickTimeMs: 2000, minSessionTimeoutMs: 4000, maxSessionTimeoutMs: 40000, myid: 2, dataDir: '', dataLogDir: '', traceMask: 306n,
      sessions: [{ sessionId: alice, expiresAtMs: nowMs + 30_000 }, { sessionId: bob, expiresAtMs: nowMs + 4000 }],
      ephemerals: new Map([[alice, ['/app/lock', '/app/leader']]]),
      watchesBySession: new Map([[alice, ['/app/config', '/app/config', '/app']], [bob, ['/b']]]),
    },
    port: {
      connections: [connection(alice, 52614, 30_000), connection(0n, 52615, 0)], packetsReceived: 0, packetsSent: 0, outstandingRequests: 0,
      latency: { minMs: 0, avgMs: 0, maxMs: 0 }, clientPort: 2181, maxClientCnxns: 60, uptimeMs: 1, environment: [],
    },
    metrics: new MemberMetrics(),
    systemProperties: [],
  }
}

const expected = [
  { id: sessionHex(alice), client: '127.0.0.1:52614', timeoutMs: 30_000, expiresInMs: 30_000, ephemerals: ['/app/leader', '/app/lock'], watches: ['/app', '/app/config'] },
  { id: sessionHex(bob), expiresInMs: 4000, watches: ['/b'] },
]

describe('a member\'s sessions, as the console reads them', () => {
  it('from the four-letter words cons, dump and wchc as Paddock writes them', () => {
    const ctx = context()
    const word = (w: 'cons' | 'dump' | 'wchc') => answerFourLetterWord(w, parseFourLetterWhitelist('*'), ctx).text
    expect(sessionsFromFourLetterWords({ cons: word('cons'), dump: word('dump'), wchc: word('wchc') }, nowMs)).toEqual(expected)
  })

  it('from the admin commands connections, dump and watches as Paddock answers them', () => {
    const ctx = context()
    const body = (name: string) => runAdminCommand(name, true, () => ctx).body
    expect(sessionsFromAdmin({ connections: body('connections'), dump: body('dump'), watches: body('watches') }, nowMs)).toEqual(expected)
  })

  it('from Apache ZooKeeper\'s dump, whose expiry times are Java dates', () => {
    const dump = ['SessionTracker dump:', 'Session Sets (2)/(1):', '0 expire at Tue Dec 02 05:52:58 UTC 2025:', '1 expire at Tue Dec 02 05:53:10 UTC 2025:', '\t0x10000a1b2c3d0001', 'ephemeral nodes dump:', 'Sessions with Ephemerals (1):', '0x10000a1b2c3d0001:', '\t/lock', 'Connections dump:', ''].join('\n')
    const facts = parseDump(dump)
    expect(facts.expiresAtMs).toEqual(new Map([['0x10000a1b2c3d0001', nowMs + 10_000]]))
    expect(facts.ephemerals).toEqual(new Map([['0x10000a1b2c3d0001', ['/lock']]]))
  })

  it('leaves out what a server refused: an empty answer tells nothing', () => {
    expect(parseCons('cons is not executed because it is not in the whitelist.\n')).toEqual([])
    expect(parseWchc('')).toEqual(new Map())
    expect(sessionsFromFourLetterWords({ cons: '', dump: '', wchc: '0x5\n\t/w\n' }, nowMs)).toEqual([{ id: '0x5', watches: ['/w'] }])
  })

  it('writes a signed 64-bit id (the admin JSON\'s) as the unsigned hex zkCli.sh prints', () => {
    expect(sessionHex('-1')).toBe('0xffffffffffffffff')
    expect(sessionHex(0x10n)).toBe('0x10')
    expect(sessionHex('0xABC')).toBe('0xabc')
  })
})

describe('the sessions of several members, merged', () => {
  const reports: MemberSessionsReport[] = [
    { name: 'zk1', sessions: [{ id: '0x1', expiresInMs: 900, ephemerals: ['/e'] }, { id: '0x2' }] },
    { name: 'zk2', sessions: [{ id: '0x1', client: '10.0.0.9:4000', timeoutMs: 6000, ephemerals: ['/e'], watches: ['/w'] }, { id: '0x3' }] },
  ]

  it('names the member a session is connected to, with its client and timeout, and joins what every member knows', () => {
    expect(mergeSessions(reports, 100)).toEqual([
      { id: '0x1', member: 'zk2', client: '10.0.0.9:4000', timeoutMs: 6000, expiresInMs: 900, ephemerals: ['/e'], watches: ['/w'] },
      { id: '0x2', member: 'zk1' },
      { id: '0x3', member: 'zk2' },
    ])
  })

  it('lists at most the given number of sessions', () => {
    expect(mergeSessions(reports, 2).map((s) => s.id)).toEqual(['0x1', '0x2'])
  })
})
