// Method: feed the parsers an Apache ZooKeeper-style mntr and srvr answer and the admin server's monitor body, and compare the figures the console shows; lag from hand-picked zxids across epochs, the dynamic configuration format, and histograms from Paddock's own LatencyHistogram.
import { describe, expect, it } from 'vitest'
import { hex, histogramJson, latencyPercentiles, memberJson, parseDynamicConfig, parseMntr, withLag, withSrvr, zxidLag } from '../../../lib/console/members.js'
import { latencyBucketsMs, LatencyHistogram } from '../../../lib/server/metrics.js'

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

  it('writes session ids and zxids as zkCli.sh does', () => {
    expect(hex(0x100000003)).toBe('0x100000003')
    expect(hex(0x7200000000000001n)).toBe('0x7200000000000001')
  })

  it('takes Apache ZooKeeper\'s latency percentiles (the slower of reads and writes at each), election counts and times, and fsync sums', () => {
    const figures = parseMntr(['zk_server_state\tleader', 'zk_p50_readlatency\t0.4', 'zk_p50_updatelatency\t2', 'zk_p99_readlatency\t9', 'zk_p99_updatelatency\t5', 'zk_cnt_fsynctime\t10', 'zk_sum_fsynctime\t25', 'zk_looking_count\t2', 'zk_avg_election_time\t310.5', 'zk_max_election_time\t420'].join('\n'))
    expect(latencyPercentiles(figures)).toEqual({ p50: 2, p99: 9 })
    expect(memberJson({ name: 'zk1', mntr: figures })).toMatchObject({ latencyPercentilesMs: { p50: 2, p99: 9 }, fsyncCount: 10, fsyncSumMs: 25, elections: 2, electionAvgMs: 310.5, electionMaxMs: 420 })
    expect(memberJson({ name: 'p1', mntr: { server_state: 'follower', election_count: 3 } }).elections).toBe(3)
    expect(latencyPercentiles(parseMntr(mntr))).toBeUndefined()
  })
})

describe('lag behind the leader', () => {
  it('is the leader\'s zxid minus the member\'s within one epoch, 0 for the leader and for a follower read a moment later', () => {
    expect(zxidLag('0x30000000a', '0x300000007')).toBe(3)
    expect(zxidLag('0x30000000a', '0x30000000a')).toBe(0)
    expect(zxidLag('0x30000000a', '0x30000000c')).toBe(0)
    expect(zxidLag('0x400000000', '0x3000000ff')).toBeUndefined()
  })

  it('is given to every member with a zxid, or says why not', () => {
    const members = withLag([
      { name: 'a', role: 'leader', zxid: '0x500000010' },
      { name: 'b', role: 'follower', zxid: '0x50000000b' },
      { name: 'c', role: 'follower', zxid: '0x4000000ff' },
      { name: 'd', role: 'unreachable' },
    ])
    expect(members.map((m) => [m.name, m.lag ?? m.lagNote])).toEqual([['a', 0], ['b', 5], ['c', 'older epoch'], ['d', undefined]])
    expect(withLag([{ name: 'b', role: 'looking', zxid: '0x5' }])[0]?.lagNote).toBe('no leader')
    expect(withLag([{ name: 'b', role: 'follower', zxid: '0x5' }])[0]?.lagNote).toBe('leader not read')
    expect(withLag([{ name: 's', role: 'standalone', zxid: '0x5' }])[0]).toEqual({ name: 's', role: 'standalone', zxid: '0x5' })
  })
})

describe('the configuration', () => {
  it('reads ZooKeeper\'s dynamic configuration format: servers with roles and client addresses, and the version', () => {
    const text = ['server.2=zk2:2888:3888:observer;2181', 'server.1=zk1:2888:3888:participant;10.0.0.1:2181', 'server.3=[::1]:2888:3888', 'version=100000003', ''].join('\n')
    expect(parseDynamicConfig(text, '/zookeeper/config')).toEqual({
      source: '/zookeeper/config',
      version: '100000003',
      servers: [
        { id: 1, address: 'zk1:2888:3888', role: 'participant', client: '10.0.0.1:2181' },
        { id: 2, address: 'zk2:2888:3888', role: 'observer', client: '0.0.0.0:2181' },
        { id: 3, address: '[::1]:2888:3888', role: 'participant' },
      ],
    })
    expect(parseDynamicConfig('', '/zookeeper/config')).toBeUndefined()
  })
})

describe('histograms for the page', () => {
  it('adds Paddock\'s latency histograms together, bucket by bucket', () => {
    const reads = new LatencyHistogram()
    const writes = new LatencyHistogram()
    for (const ms of [0.05, 0.3, 7]) reads.observe(ms)
    for (const ms of [2, 9000]) writes.observe(ms)
    const json = histogramJson(latencyBucketsMs, [reads, writes])
    expect(json.boundsMs).toEqual([...latencyBucketsMs])
    expect(json.count).toBe(5)
    expect(json.counts).toEqual([1, 2, 2, 3, 4, 4, 4, 4, 4, 4])
  })
})
