// Method: each admin command run on hand-built figures, its fields compared with the names and values ZooKeeper 3.9's Commands.java writes (apache/zookeeper@release-3.9.5 server/admin/Commands.java).
import { describe, expect, it } from 'vitest'
import type { ServerSpec } from '../../../lib/config/zoo-cfg.js'
import {
  adminCommands,
  findAdminCommand,
  notQuorumError,
  runAdminCommand,
  type AdminContext,
  type AdminEnsemble,
} from '../../../lib/server/admin-commands.js'
import { MemberMetrics } from '../../../lib/server/metrics.js'
import type { DirectorySizes } from '../../../lib/wire/four-letter-words.js'

const zxid = 0x300000007

function context(overrides: Partial<AdminContext> = {}): AdminContext {
  return {
    server: {
      version: '3.9.5-paddock-0.1.0, built on n/a', mode: 'standalone', readOnly: false, lastProcessedZxid: zxid, znodeCount: 5,
      approximateDataSize: 40, sessions: [], ephemerals: new Map(), watchesBySession: new Map(), tickTimeMs: 2000,
      minSessionTimeoutMs: 4000, maxSessionTimeoutMs: 40000, myid: 2, dataDir: '/d', dataLogDir: '/d', traceMask: 306n,
    },
    port: {
      connections: [], packetsReceived: 0, packetsSent: 0, outstandingRequests: 0, latency: { minMs: 0, avgMs: 0, maxMs: 0 },
      clientPort: 2181, maxClientCnxns: 60, uptimeMs: 1, environment: [],
    },
    metrics: new MemberMetrics(),
    systemProperties: [['file.separator', '/'], ['os.arch', 'x64']],
    ...overrides,
  }
}

const measured: DirectorySizes = { dataDirBytes: 4096, dataLogDirBytes: 4096 }

function servers(): ServerSpec[] {
  return [
    { id: 1, host: 'zk1', quorumPort: 2888, electionPort: 3888, role: 'participant', clientAddress: undefined, clientPort: 2181 },
    { id: 2, host: '::1', quorumPort: 2889, electionPort: 3889, role: 'participant', clientAddress: '10.0.0.2', clientPort: 2182 },
    { id: 3, host: 'zk3', quorumPort: 2890, electionPort: 3890, role: 'participant', clientAddress: undefined, clientPort: undefined },
    { id: 4, host: 'zk4', quorumPort: 2891, electionPort: 3891, role: 'observer', clientAddress: undefined, clientPort: 2184 },
  ]
}

function ensemble(status: Partial<AdminEnsemble['status']> = {}, myid = 2): AdminEnsemble {
  return { myid, servers: servers(), status: { role: 'FOLLOWING', leader: 1, zabState: 'broadcast', syncedObservers: [], ...status } }
}

/** Runs `name` on a serving member and returns its body. */
function run(name: string, ctx: AdminContext = context(), args: Record<string, string> = {}): Record<string, unknown> {
  return runAdminCommand(name, true, () => ctx, new Map(Object.entries(args))).body
}

describe('the command table', () => {
  it('registers ZooKeeper 3.9\'s names and aliases for the commands Paddock answers, and none of those it leaves out', () => {
    const names = adminCommands.map((c) => c.names.join('/'))
    for (const expected of [
      'connection_stat_reset/crst', 'get_trace_mask/gtmk', 'initial_configuration/icfg', 'last_snapshot/lsnp', 'leader/lead',
      'set_trace_mask/stmk', 'stat_reset/srst', 'observers/obsr', 'system_properties/sysp', 'voting_view', 'zabstate',
    ]) expect(names).toContain(expected)
    for (const absent of ['hash', 'snapshot', 'snap', 'restore', 'rest', 'observer_connection_stat_reset', 'orst']) expect(findAdminCommand(absent)).toBeUndefined()
  })

  it('marks exactly the commands that print directory sizes, so the shell measures only for them', () => {
    expect(adminCommands.filter((c) => c.readsDirectories).map((c) => c.names[0]).sort()).toEqual(['configuration', 'dirs', 'server_stats', 'stats'])
  })

  it('answers gtmk, stmk, sysp, zabstate and mntr while not serving, as ZooKeeper registers them (serverRequired false)', () => {
    const looking = adminCommands.filter((c) => !c.serverRequired).map((c) => c.names[0]).sort()
    expect(looking).toEqual(['environment', 'get_trace_mask', 'monitor', 'set_trace_mask', 'system_properties', 'zabstate'])
    expect(runAdminCommand('lead', false, context).status).toBe(503)
  })
})

describe('directory sizes', () => {
  it('writes the measured bytes in dirs, srvr, stat and conf', () => {
    const ctx = context({ directories: measured })
    expect(run('dirs', ctx)).toEqual({ datadir_size: 4096, logdir_size: 4096, command: 'dirs', error: null })
    expect(run('srvr', ctx).server_stats).toMatchObject({ data_dir_size: 4096, log_dir_size: 4096 })
    expect(run('stat', ctx).server_stats).toMatchObject({ data_dir_size: 4096, log_dir_size: 4096 })
    expect(run('conf', ctx)).toMatchObject({ data_dir: '/d', data_dir_size: 4096, data_log_dir: '/d', data_log_size: 4096 })
  })

  it('refuses to print sizes nobody measured rather than print 0', () => {
    expect(() => run('dirs')).toThrow(TypeError)
  })
})

describe('connection_stat_reset and stat_reset', () => {
  it('answer no fields and ask the shell for the resets crst and srst make', () => {
    expect(runAdminCommand('crst', true, context)).toEqual({ status: 200, body: { command: 'connection_stat_reset', error: null }, effect: { type: 'resetConnectionStats' } })
    expect(runAdminCommand('stat_reset', true, context)).toEqual({ status: 200, body: { command: 'stat_reset', error: null }, effect: { type: 'resetServerStats' } })
  })

  it('need a serving member, and then reset nothing', () => {
    expect(runAdminCommand('srst', false, context)).not.toHaveProperty('effect')
  })
})

describe('get_trace_mask and set_trace_mask', () => {
  it('reports the mask as tracemask', () => {
    expect(run('gtmk')).toEqual({ tracemask: 306n, command: 'get_trace_mask', error: null })
  })

  it('sets the traceMask argument, a signed 64-bit decimal as Long.parseLong reads it', () => {
    expect(runAdminCommand('stmk', true, context, new Map([['traceMask', '-1']]))).toEqual({
      status: 200, body: { tracemask: -1n, command: 'set_trace_mask', error: null }, effect: { type: 'setTraceMask', traceMask: -1n },
    })
    expect(runAdminCommand('stmk', true, context, new Map([['traceMask', '9223372036854775807']])).effect).toEqual({ type: 'setTraceMask', traceMask: 9223372036854775807n })
  })

  it('answers a missing or malformed traceMask with ZooKeeper\'s error text, status 400, and changes nothing', () => {
    const missing = runAdminCommand('stmk', true, context)
    expect(missing).toEqual({ status: 400, body: { command: 'set_trace_mask', error: 'setTraceMask requires long traceMask argument' } })
    for (const bad of ['0x10', '1.5', '', '9223372036854775808', ' 1']) {
      const answer = runAdminCommand('stmk', true, context, new Map([['traceMask', bad]]))
      expect(answer.status, bad).toBe(400)
      expect(answer.body.error).toBe(`setTraceMask requires long traceMask argument, got ${bad}`)
      expect(answer.effect).toBeUndefined()
    }
  })
})

describe('initial_configuration', () => {
  it('returns the configuration text, or null when the server was not started from a file', () => {
    expect(run('icfg', context({ initialConfiguration: 'tickTime=2000\n' }))).toEqual({ initial_configuration: 'tickTime=2000\n', command: 'initial_configuration', error: null })
    expect(run('icfg').initial_configuration).toBeNull()
  })
})

describe('last_snapshot', () => {
  it('writes the zxid in hex and the time in seconds', () => {
    expect(run('lsnp', context({ lastSnapshot: { zxid: 0x100000002, timeMs: 1_700_000_000_999 } }))).toEqual({ zxid: '100000002', timestamp: 1_700_000_000, command: 'last_snapshot', error: null })
  })

  it('writes timestamp -1 for a snapshot restored at start, and ZooKeeper\'s -1 zxid and time without any', () => {
    expect(run('lsnp', context({ lastSnapshot: { zxid: 0x10, timeMs: undefined } }))).toMatchObject({ zxid: '10', timestamp: -1 })
    expect(run('lsnp')).toMatchObject({ zxid: 'ffffffffffffffff', timestamp: -1 })
  })
})

describe('leader', () => {
  it('names the leader and its host on a follower', () => {
    expect(run('lead', context({ ensemble: ensemble() }))).toEqual({ is_leader: false, leader_id: 1, leader_ip: 'zk1', command: 'leader', error: null })
  })

  it('says is_leader on the leader', () => {
    expect(run('lead', context({ ensemble: ensemble({ role: 'LEADING', leader: 2 }) }))).toMatchObject({ is_leader: true, leader_id: 2, leader_ip: '::1' })
  })

  it('answers -1 and "" without a leader, and ZooKeeper\'s error on a standalone server', () => {
    expect(run('lead', context({ ensemble: ensemble({ role: 'LOOKING', leader: undefined }) }))).toMatchObject({ is_leader: false, leader_id: -1, leader_ip: '' })
    expect(runAdminCommand('lead', true, context)).toEqual({ status: 200, body: { command: 'leader', error: notQuorumError } })
  })
})

describe('observers', () => {
  it('lists the leader\'s observers in broadcast as sid and last_zxid', () => {
    const ctx = context({ ensemble: ensemble({ role: 'LEADING', leader: 2, syncedObservers: [{ sid: 4, lastZxid: zxid }] }) })
    expect(run('obsr', ctx)).toEqual({ synced_observers: 1, observers: [{ sid: 4, last_zxid: zxid }], command: 'observers', error: null })
  })

  it('answers 0 and [] on a follower and a standalone server', () => {
    expect(run('obsr', context({ ensemble: ensemble() }))).toMatchObject({ synced_observers: 0, observers: [] })
    expect(run('obsr')).toMatchObject({ synced_observers: 0, observers: [] })
  })
})

describe('system_properties', () => {
  it('writes each property as its own field', () => {
    expect(run('sysp')).toEqual({ 'file.separator': '/', 'os.arch': 'x64', command: 'system_properties', error: null })
  })
})

describe('voting_view', () => {
  it('maps each voting member\'s id to its addresses (QuorumServerView), observers left out', () => {
    expect(run('voting_view', context({ ensemble: ensemble() }))).toEqual({
      current_config: {
        1: { server_addresses: ['zk1:2888'], election_addresses: ['zk1:3888'], client_address: '0.0.0.0:2181', learner_type: 'participant' },
        2: { server_addresses: ['[::1]:2889'], election_addresses: ['[::1]:3889'], client_address: '10.0.0.2:2182', learner_type: 'participant' },
        3: { server_addresses: ['zk3:2890'], election_addresses: ['zk3:3890'], client_address: '', learner_type: 'participant' },
      },
      command: 'voting_view',
      error: null,
    })
  })

  it('is empty on a standalone server', () => {
    expect(run('voting_view').current_config).toEqual({})
  })
})

describe('zabstate', () => {
  it('reports the member\'s addresses, whether it votes, its last zxid split into epoch and counter, and the ZAB phase', () => {
    const ctx = context({ ensemble: ensemble({ zabState: 'synchronization' }), clientAddress: { host: '127.0.0.1', port: 2182 } })
    expect(run('zabstate', ctx)).toEqual({
      myid: 2,
      is_leader: false,
      quorum_address: '[::1]:2889',
      election_address: '[::1]:3889',
      client_address: '127.0.0.1:2182',
      voting: true,
      last_zxid: '0x300000007',
      zab_epoch: 3,
      zab_counter: 7,
      zabstate: 'synchronization',
      command: 'zabstate',
      error: null,
    })
  })

  it('says an observer does not vote, and a member without a client port has client_address null', () => {
    expect(run('zabstate', context({ ensemble: ensemble({ role: 'OBSERVING' }, 4) }))).toMatchObject({ myid: 4, voting: false, client_address: null })
  })

  it('answers voting false and an empty zabstate on a standalone server', () => {
    expect(run('zabstate')).toEqual({ voting: false, zabstate: '', command: 'zabstate', error: null })
  })
})
