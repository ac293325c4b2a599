// Method: the admin server's pure parts fed hand-built figures; exact text compared (Prometheus exposition format 0.0.4, ZooKeeper's Commands.runCommand answers).
import { describe, expect, it } from 'vitest'
import { adminJson, runAdminCommand, notServingError, type AdminContext } from '../../../lib/server/admin-commands.js'
import { MemberMetrics } from '../../../lib/server/metrics.js'
import { escapeLabelValue, formatPrometheus } from '../../../lib/server/prometheus.js'

function snapshot(metrics = new MemberMetrics()) {
  return { metrics, role: 'leader' as const, znodeCount: 4, watchCount: 2, sessionCount: 1, lastZxid: 0x100000003 }
}

describe('formatPrometheus', () => {
  it('writes a cumulative histogram per op with le="+Inf", _sum and _count', () => {
    const metrics = new MemberMetrics()
    metrics.request('create', 0.3)
    metrics.request('create', 7)
    const text = formatPrometheus(snapshot(metrics))
    expect(text).toContain('paddock_requests_total{op="create"} 2\n')
    expect(text).toContain('paddock_request_latency_ms_bucket{op="create",le="0.1"} 0\n')
    expect(text).toContain('paddock_request_latency_ms_bucket{op="create",le="0.5"} 1\n')
    expect(text).toContain('paddock_request_latency_ms_bucket{op="create",le="10"} 2\n')
    expect(text).toContain('paddock_request_latency_ms_bucket{op="create",le="+Inf"} 2\n')
    expect(text).toContain('paddock_request_latency_ms_sum{op="create"} 7.3\n')
    expect(text).toContain('paddock_request_latency_ms_count{op="create"} 2\n')
    expect(text).toContain('# TYPE paddock_request_latency_ms histogram\n')
  })

  it('reports the state as one series per state, 1 for the current one', () => {
    const text = formatPrometheus(snapshot())
    expect(text).toContain('paddock_server_state{state="leader"} 1\n')
    expect(text).toContain('paddock_server_state{state="follower"} 0\n')
    expect(text).toContain('paddock_last_zxid 4294967299\n')
    expect(text).toContain('fsynctime_count 0\n')
  })

  it('escapes backslash, quote and newline in label values', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd')
  })
})

describe('runAdminCommand', () => {
  const never = (): AdminContext => {
    throw new Error('context read')
  }

  it('answers an unknown name with 404 without reading the figures', () => {
    expect(runAdminCommand('nope', true, never)).toEqual({ status: 404, body: { command: 'nope', error: 'Unknown command: nope' } })
  })

  it('answers a command that needs a serving member with 503 while looking (ZooKeeper: isServerRequired)', () => {
    expect(runAdminCommand('srvr', false, never)).toEqual({ status: 503, body: { command: 'server_stats', error: notServingError } })
  })
})

describe('adminJson', () => {
  it('writes a bigint as an exact integer literal', () => {
    expect(adminJson({ ids: [-8070450532247928832n] })).toBe('{\n  "ids": [\n    -8070450532247928832\n  ]\n}')
  })
})
