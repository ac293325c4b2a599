// Method: a V8 CPU profile (`node --cpu-prof`'s .cpuprofile JSON) reduced to where the samples
// fell: self time per function and per file, largest first. Pure: the parsed profile in, rows out.

/** The parts of a .cpuprofile this reads. */
export interface CpuProfile {
  /** Every call-tree node. */
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]
  /** The node id of each sample, in order. */
  samples?: number[]
  /** Microseconds since the previous sample, one per sample. */
  timeDeltas?: number[]
  /** When profiling started, µs. */
  startTime: number
  /** When it ended, µs. */
  endTime: number
}

/** Self time of one function or file. */
export interface ProfileRow {
  /** The function's name (`(anonymous)` when it has none; V8's own entries keep their names, e.g. `(garbage collector)`). */
  name: string
  /** The script's path relative to the package (or its URL), empty for V8's own entries. */
  file: string
  /** The 1-based line of the function (0 for a file row or V8's own entries). */
  line: number
  /** Milliseconds of samples in it. */
  selfMs: number
  /** Its share of every sample, in percent. */
  selfPct: number
}

/** What {@link summarizeProfile} found. */
export interface ProfileSummary {
  /** Milliseconds the samples cover. */
  sampledMs: number
  /** The functions with the most self time, largest first. */
  functions: ProfileRow[]
  /** The files with the most self time, largest first. */
  files: ProfileRow[]
}

/** `url` without the `file://` scheme and anything up to `dist/` or `node_modules/`. */
function shortFile(url: string): string {
  const path = url.startsWith('file://') ? url.slice('file://'.length) : url
  const at = Math.max(path.lastIndexOf('/dist/'), path.lastIndexOf('/node_modules/'))
  return at < 0 ? path : path.slice(at + 1)
}

/** The `top` functions and files by self time in `profile`. */
export function summarizeProfile(profile: CpuProfile, top: number): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  const selfUs = new Map<number, number>()
  let totalUs = 0
  for (let i = 0; i < samples.length; i++) {
    // A sample's time is the gap to the next one (the last runs to the end of the profile).
    const us = Math.max(0, i + 1 < deltas.length ? (deltas[i + 1] ?? 0) : 0)
    const id = samples[i]!
    selfUs.set(id, (selfUs.get(id) ?? 0) + us)
    totalUs += us
  }
  const functions = new Map<string, ProfileRow>()
  const files = new Map<string, ProfileRow>()
  const add = (map: Map<string, ProfileRow>, key: string, row: Omit<ProfileRow, 'selfMs' | 'selfPct'>, us: number): void => {
    const existing = map.get(key)
    if (existing === undefined) map.set(key, { ...row, selfMs: us / 1000, selfPct: 0 })
    else existing.selfMs += us / 1000
  }
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame
    if (frame === undefined) continue
    const file = shortFile(frame.url)
    const name = frame.functionName === '' ? '(anonymous)' : frame.functionName
    const line = frame.url === '' ? 0 : frame.lineNumber + 1
    add(functions, `${name}\u0000${file}\u0000${line}`, { name, file, line }, us)
    add(files, file === '' ? name : file, { name: file === '' ? name : '', file, line: 0 }, us)
  }
  const ranked = (map: Map<string, ProfileRow>): ProfileRow[] =>
    [...map.values()]
      .map((r) => ({ ...r, selfPct: totalUs === 0 ? 0 : (r.selfMs * 1000 * 100) / totalUs }))
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top)
  return { sampledMs: totalUs / 1000, functions: ranked(functions), files: ranked(files) }
}
