// Method: formatPrometheus fed hand-built figures, its text parsed back into families and samples;
// names, types and labels compared with what ZooKeeper 3.9's PrometheusMetricsProvider exports
// (ServerMetrics.java, ZooKeeperServer.registerMetrics), quantiles with hand-computed values, and
// the summary window driven by explicit times.
import { describe, expect, it } from 'vitest'
import { LatencyHistogram, MemberMetrics } from '../../../lib/server/metrics.js'
import { bucketQuantile, formatPrometheus, mergeHistograms, SummaryWindow, type MetricsSnapshot } from '../../../lib/server/prometheus.js'

function snapshot(metrics = new MemberMetrics(), extra: Partial<MetricsSnapshot> = {}): MetricsSnapshot {
  return { metrics, role: 'leader', znodeCount: 4, watchCount: 2, sessionCount: 1, lastZxid: 0x100000003, ...extra }
}

/** The `# TYPE` of each family, and each sample line's value by its series. */
function parse(text: string): { types: Map<string, string>; samples: Map<string, string> } {
  const types = new Map<string, string>()
  const samples = new Map<string, string>()
  for (const line of text.trimEnd().split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line)
    if (type !== null) types.set(type[1] ?? '', type[2] ?? '')
    else if (!line.startsWith('#')) samples.set(line.slice(0, line.lastIndexOf(' ')), line.slice(line.lastIndexOf(' ') + 1))
  }
  return { types, samples }
}

describe('ZooKeeper\'s metric names', () => {
  it('exports the tree, session, port and ensemble figures as ZooKeeper\'s gauges, and looking_count as a counter', () => {
    const metrics = new MemberMetrics()
    metrics.outstanding = 3
    metrics.elections = 2
    metrics.quorumSize = 3
    const port = { latency: { minMs: 0, avgMs: 1.5, maxMs: 9 }, packetsReceived: 10, packetsSent: 11, connections: 2, uptimeMs: 5000 }
    const { types, samples } = parse(formatPrometheus(snapshot(metrics, { ephemeralsCount: 1, approximateDataSize: 77, localSessionCount: 5, port, learners: { connected: 2, syncedFollowers: 1 } })))
    const gauges = { znode_count: '4', watch_count: '2', ephemerals_count: '1', approximate_data_size: '77', global_sessions: '1', local_sessions: '5', outstanding_requests: '3', avg_latency: '1.5', max_latency: '9', min_latency: '0', packets_received: '10', packets_sent: '11', num_alive_connections: '2', uptime: '5000', quorum_size: '3', learners: '2', synced_followers: '1' }
    for (const [name, value] of Object.entries(gauges)) {
      expect(types.get(name), name).toBe('gauge')
      expect(samples.get(name), name).toBe(value)
    }
    expect(types.get('looking_count')).toBe('counter')
    expect(samples.get('looking_count')).toBe('2')
  })

  it('leaves out what the snapshot does not carry: port gauges, a follower\'s learners, process figures', () => {
    const { types } = parse(formatPrometheus(snapshot()))
    for (const name of ['avg_latency', 'num_alive_connections', 'learners', 'synced_followers', 'process_cpu_seconds_total', 'open_file_descriptor_count']) expect(types.has(name), name).toBe(false)
  })

  it('keeps paddock_* names only for figures ZooKeeper has none for', () => {
    const { types } = parse(formatPrometheus(snapshot(new MemberMetrics(), { health: 'serving' })))
    expect([...types.keys()].filter((n) => n.startsWith('paddock_')).sort()).toEqual(['paddock_health', 'paddock_last_zxid', 'paddock_request_latency_ms', 'paddock_requests_total', 'paddock_server_state'])
  })

  it('writes readlatency and updatelatency as summaries with ZooKeeper\'s quantiles, splitting operations as Request.isQuorum does', () => {
    const metrics = new MemberMetrics()
    for (const ms of [0.2, 0.3, 0.4, 2]) metrics.request('getData', ms)
    metrics.request('ping', 0.05)
    metrics.request('create', 7)
    metrics.request('setData', 20)
    const { types, samples } = parse(formatPrometheus(snapshot(metrics)))
    expect(types.get('readlatency')).toBe('summary')
    expect(types.get('updatelatency')).toBe('summary')
    expect(samples.get('readlatency_count')).toBe('5')
    expect(Number(samples.get('readlatency_sum'))).toBeCloseTo(2.95)
    expect(samples.get('updatelatency_count')).toBe('2')
    expect(samples.get('updatelatency_sum')).toBe('27')
    expect([...samples.keys()].filter((k) => k.startsWith('readlatency{'))).toEqual(['readlatency{quantile="0.5"}', 'readlatency{quantile="0.9"}', 'readlatency{quantile="0.99"}'])
    // Five reads: 1 in (0,0.1], 3 in (0.1,0.5], 1 in (1,5]; the median (rank 2.5) is 0.1 + 0.4 * 1.5/3.
    expect(Number(samples.get('readlatency{quantile="0.5"}'))).toBeCloseTo(0.3)
    expect(types.get('fsynctime')).toBe('summary')
    expect(samples.get('fsynctime{quantile="0.5"}')).toBe('NaN')
    expect(samples.get('fsynctime_count')).toBe('0')
  })

  it('exports the per-namespace quota figures as ZooKeeper\'s gauge sets and counter set, the namespace in the key label', () => {
    const quota = { byNamespace: new Map([['app', { countLimit: 7, bytesLimit: 99, countUsage: 4, bytesUsage: 9 }]]), exceeded: new Map([['app', 2]]) }
    const { types, samples } = parse(formatPrometheus(snapshot(new MemberMetrics(), { quota })))
    for (const name of ['quota_count_limit_per_namespace', 'quota_bytes_limit_per_namespace', 'quota_count_usage_per_namespace', 'quota_bytes_usage_per_namespace']) expect(types.get(name), name).toBe('gauge')
    expect(types.get('quota_exceeded_error_per_namespace')).toBe('counter')
    expect(samples.get('quota_count_limit_per_namespace{key="app"}')).toBe('7')
    expect(samples.get('quota_bytes_limit_per_namespace{key="app"}')).toBe('99')
    expect(samples.get('quota_count_usage_per_namespace{key="app"}')).toBe('4')
    expect(samples.get('quota_bytes_usage_per_namespace{key="app"}')).toBe('9')
    expect(samples.get('quota_exceeded_error_per_namespace{key="app"}')).toBe('2')
    expect(parse(formatPrometheus(snapshot())).types.has('quota_count_limit_per_namespace')).toBe(false)
  })

  it('exports the process figures under the standard process_* names and ZooKeeper\'s descriptor gauges', () => {
    const process = { cpuSeconds: 1.25, residentBytes: 1000, startTimeSeconds: 1700000000, fileDescriptors: { open: 12, max: 1024 } }
    const { types, samples } = parse(formatPrometheus(snapshot(new MemberMetrics(), { process })))
    expect(types.get('process_cpu_seconds_total')).toBe('counter')
    expect(samples.get('process_cpu_seconds_total')).toBe('1.25')
    expect(samples.get('process_resident_memory_bytes')).toBe('1000')
    expect(samples.get('open_file_descriptor_count')).toBe('12')
    expect(samples.get('max_file_descriptor_count')).toBe('1024')
  })
})

describe('summary quantiles', () => {
  it('interpolate inside the bucket the rank falls in, and are NaN with nothing observed', () => {
    const h = new LatencyHistogram()
    for (const ms of [3, 3, 3, 3]) h.observe(ms)
    // All four in (1,5]: the median is at rank 2 of 4 there, halfway.
    expect(bucketQuantile(mergeHistograms([h]), 0.5)).toBeCloseTo(3)
    expect(bucketQuantile(mergeHistograms([]), 0.5)).toBeNaN()
    const slow = new LatencyHistogram()
    slow.observe(9000)
    expect(bucketQuantile(mergeHistograms([slow]), 0.99)).toBe(5000)
  })

  it('cover the last window only: observations older than the newest scrape a window ago are left out', () => {
    const metrics = new MemberMetrics()
    const window = new SummaryWindow(0, 1000)
    const median = (nowMs: number) => parse(formatPrometheus(snapshot(metrics, { window, nowMs }))).samples.get('updatelatency{quantile="0.5"}')
    for (let i = 0; i < 10; i++) metrics.request('create', 0.05)
    expect(Number(median(500))).toBeCloseTo(0.05)
    for (let i = 0; i < 10; i++) metrics.request('create', 40)
    // At 1600 the scrape at 500 is the newest one a window old: only the slow ten are within, all in (10,50]: rank 5 of 10, halfway.
    expect(Number(median(1600))).toBeCloseTo(30)
    expect(median(3000)).toBe('NaN')
  })
})
