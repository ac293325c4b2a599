// Method: feed the parsers an Apache ZooKeeper-style mntr and srvr answer and the admin server's monitor body, and compare the figures the console shows.
import { describe, expect, it } from 'vitest'
import { hex, memberJson, parseCons, parseMntr, withSrvr } from '../../../lib/console/members.js'

const mntr = ['zk_version\t3.9.3-abc, built on 2024', 'zk_server_state\tfollower', 'zk_avg_latency\t0.25', 'zk_max_latency\t12', 'zk_packets_received\t1200', 'zk_num_alive_connections\t3', 'zk_outstanding_requests\t0', 'zk_znode_count\t42', 'zk_watch_count\t7', 'zk_global_sessions\t5', ''].join('\n')

describe('the console\'s member figures (from mntr, as ZooKeeper\'s MonitorCommand reports them)', () => {
  it('parses mntr lines into keys without zk_, numbers as numbers', () => {
    const figures = parseMntr(mntr)
    expect(figures['server_state']).toBe('follower')
    expect(figures['avg_latency']).toBe(0.25)
    expect(figures['version']).toBe('3.9.3-abc, built on 2024')
    expect(Object.keys(figures)).not.toContain('zk_server_state')
  })

  it('takes the zxid from srvr when mntr has none, and keeps mntr\'s when it has one', () => {
    expect(withSrvr(parseMntr(mntr), 'Mode: follower\nZxid: 0x300000007\n')['last_processed_zxid']).toBe(0x300000007)
    expect(withSrvr({ last_processed_zxid: 5 }, 'Zxid: 0x9\n')['last_processed_zxid']).toBe(5)
  })

  it('shows the zxid in hex with its epoch, and every figure under its console name', () => {
    expect(memberJson({ name: 'zk1:2181', mntr: withSrvr(parseMntr(mntr), 'Zxid: 0x300000007') })).toEqual({
      name: 'zk1:2181',
      role: 'follower',
      zxid: '0x300000007',
      epoch: 3,
      connections: 3,
      outstandingRequests: 0,
      znodeCount: 42,
      watchCount: 7,
      sessionCount: 5,
      packetsReceived: 1200,
      avgLatencyMs: 0.25,
      maxLatencyMs: 12,
    })
  })

  it('reports a member that did not answer as unreachable, with why', () => {
    expect(memberJson({ name: 'zk2:2181', error: 'connect ECONNREFUSED' })).toEqual({ name: 'zk2:2181', role: 'unreachable', error: 'connect ECONNREFUSED' })
  })

  it('lists the sessions of a cons answer (ServerCnxn.dumpConnectionInfo), skipping connections without one', () => {
    const cons = [
      ' /127.0.0.1:52614[1](queued=0,recved=5,sent=5,sid=0x10000a1b2c3d0001,lop=PING,est=1733100000000,to=30000,lcxid=0x4,lzxid=0x100000003,lresp=1,llat=0,minlat=0,avglat=0.2,maxlat=1)',
      ' /[0:0:0:0:0:0:0:1]:40000[0](queued=0,recved=1,sent=0)',
      '',
    ].join('\n')
    expect(parseCons(cons)).toEqual([{ id: '0x10000a1b2c3d0001', client: '127.0.0.1:52614', timeoutMs: 30000 }])
  })

  it('writes session ids and zxids as zkCli.sh does', () => {
    expect(hex(0x100000003)).toBe('0x100000003')
    expect(hex(0x7200000000000001n)).toBe('0x7200000000000001')
  })
})
