// Method: the ensemble bench's leader kills (ensemble.ts: SIGKILL of the leader while a client
// writes one setData at a time through a follower; time to the first acknowledged write sent after
// the kill), without its throughput phases, repeated at each tickTime so that the two servers'
// failover is compared at short and at ZooKeeper's sample timing.
import { benchEnsemble, type EnsembleBenchOptions, type EnsembleBenchResult } from './ensemble.js'

/** Bounds of {@link benchFailover}. */
export interface FailoverBenchOptions {
  /** zoo.cfg tickTime values, one series of trials each, in milliseconds. */
  tickTimesMs: readonly number[]
  /** Fresh ensembles per server kind and tickTime. */
  ensembles: number
  /** Leader kills per ensemble: trials per server and tickTime are `ensembles × killsPerEnsemble`. */
  killsPerEnsemble: number
  /** Everything else as the ensemble bench takes it (initLimit, syncLimit, heap, kinds, budget per tickTime). */
  ensemble: Omit<EnsembleBenchOptions, 'tickTimeMs' | 'runs' | 'failoversPerRun' | 'catchUpZnodes' | 'throughput'>
}

/** What {@link benchFailover} measured: the ensemble bench's result at each tickTime. */
export interface FailoverBenchResult {
  /** The options it ran with. */
  options: FailoverBenchOptions
  /** One per tickTime, in order. */
  ticks: { tickTimeMs: number; result: EnsembleBenchResult }[]
}

/** Runs the leader-kill trials at each tickTime of `options`, Paddock and Apache ZooKeeper alternating. */
export async function benchFailover(options: FailoverBenchOptions, log: (line: string) => void = () => undefined): Promise<FailoverBenchResult> {
  const ticks: FailoverBenchResult['ticks'] = []
  for (const tickTimeMs of options.tickTimesMs) {
    log(`  tickTime ${tickTimeMs} ms: ${options.ensembles} ensemble(s) × ${options.killsPerEnsemble} kill(s) per server …`)
    const result = await benchEnsemble({
      ...options.ensemble, tickTimeMs, runs: options.ensembles, failoversPerRun: options.killsPerEnsemble, catchUpZnodes: 0, throughput: false,
    }, log)
    ticks.push({ tickTimeMs, result })
  }
  return { options, ticks }
}
