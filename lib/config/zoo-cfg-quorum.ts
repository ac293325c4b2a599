/**
 * Hierarchical and weighted quorums in zoo.cfg (ZooKeeper: `group.G=id:id:...` and
 * `weight.ID=w`, read by QuorumHierarchical): the lines are checked against the ensemble with
 * ZooKeeper's rules, and stricter where ZooKeeper would fail later or crash.
 * @module
 */

/** One `group.G` line. */
export interface ZooCfgQuorumGroup {
  /** The group id G. */
  id: number
  /** The participants it lists, in order. */
  members: number[]
}

/** The quorum configuration zoo.cfg's `group.G` and `weight.ID` lines give. */
export interface ZooCfgQuorumGroups {
  /** Each `group.G` line: the group id G and its participants, in file order. */
  groups: ZooCfgQuorumGroup[]
  /** `weight.ID` lines: a participant's weight by server id (participants without a line weigh 1). */
  weights: Record<number, number>
}

/** One `group.G` or `weight.ID` line, and how to report about it. */
interface QuorumLine {
  readonly key: string
  readonly value: string
}

/** What {@link quorumGroupsOf} needs to know of the ensemble and how it reports. */
interface QuorumContext<L extends QuorumLine> {
  /** Server ids by role, from the `server.N` lines. */
  readonly roles: ReadonlyMap<number, 'participant' | 'observer'>
  /** The error for `line` (naming the file and line). */
  error(line: L, message: string): Error
  /** Warns about `line`. */
  warn(line: L, message: string): void
}

/** Whether `key` belongs to the hierarchical quorum configuration. */
export function isQuorumGroupKey(key: string): boolean {
  return /^(group|weight)\./.test(key)
}

/**
 * Reads the `group.G` and `weight.ID` lines against the ensemble; undefined when there are none
 * (a majority quorum). ZooKeeper's rules: every participant is in exactly one group (so weights
 * need groups), a participant without a weight weighs 1, groups of weight 0 are ignored. Also
 * refused, where ZooKeeper would crash or silently misbehave: an id no `server.N` line declares,
 * an observer in a group, a negative weight, and groups that all weigh 0 (no quorum could form).
 * @throws the context's error for the first line at fault.
 */
export function quorumGroupsOf<L extends QuorumLine>(lines: readonly L[], ctx: QuorumContext<L>): ZooCfgQuorumGroups | undefined {
  if (lines.length === 0) return undefined
  const result: ZooCfgQuorumGroups = { groups: [], weights: {} }
  const groupOf = new Map<number, string>()
  for (const line of lines) {
    if (line.key.startsWith('group.')) result.groups.push(readGroup(line, ctx, groupOf))
    else readWeight(line, ctx, result.weights)
  }
  const first = lines[0] as L
  for (const [sid, role] of ctx.roles) {
    if (role !== 'participant' || groupOf.has(sid)) continue
    if (result.groups.length === 0) throw ctx.error(first, `${first.key}: weights need groups: every participant must be in a group.G line (for one weighted majority, list them all in group.1)`)
    throw ctx.error(first, `server.${sid} is in no group: with group.G lines every participant must be in exactly one`)
  }
  const weightOf = (sid: number) => result.weights[sid] ?? 1
  if (result.groups.every((group) => group.members.every((sid) => weightOf(sid) === 0))) {
    throw ctx.error(first, 'every group weighs 0: no set of servers could form a quorum')
  }
  return result
}

function readGroup<L extends QuorumLine>(line: L, ctx: QuorumContext<L>, groupOf: Map<number, string>): ZooCfgQuorumGroup {
  const id = Number(line.key.slice('group.'.length))
  if (!Number.isSafeInteger(id) || id < 0) throw ctx.error(line, `${line.key}: the group id must be an integer`)
  const members: number[] = []
  for (const part of line.value.split(':')) {
    const sid = Number(part.trim())
    if (part.trim() === '' || !Number.isInteger(sid)) throw ctx.error(line, `${line.key} must list server ids separated by ':', got ${JSON.stringify(line.value)}`)
    const role = ctx.roles.get(sid)
    if (role === undefined) throw ctx.error(line, `${line.key} names server ${sid}, but no server.${sid} line declares it`)
    if (role === 'observer') throw ctx.error(line, `${line.key} names server ${sid}, an observer: observers never vote, so they belong in no group`)
    const other = groupOf.get(sid)
    if (other !== undefined) throw ctx.error(line, `server ${sid} is in ${other} and ${line.key}: a server is in one group only`)
    groupOf.set(sid, line.key)
    members.push(sid)
  }
  return { id, members }
}

function readWeight<L extends QuorumLine>(line: L, ctx: QuorumContext<L>, weights: Record<number, number>): void {
  const sid = Number(line.key.slice('weight.'.length))
  const role = ctx.roles.get(sid)
  if (role === undefined) throw ctx.error(line, `${line.key} weighs server ${sid}, but no server.${sid} line declares it`)
  const weight = Number(line.value)
  if (line.value === '' || !Number.isSafeInteger(weight) || weight < 0) throw ctx.error(line, `${line.key} must be an integer of at least 0, got ${JSON.stringify(line.value)}`)
  if (role === 'observer') return ctx.warn(line, `${line.key} has no effect: server ${sid} is an observer, and observers never vote`)
  weights[sid] = weight
}
