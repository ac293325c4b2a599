/**
 * The console's JSON API, as the server writes it and the page reads it: one set of shapes shared
 * by lib/console/console.ts and the page's source (lib/console/page), so the two cannot drift.
 * Types only, with nothing of Node or the DOM in them.
 *
 * Numbers that ZooKeeper shows in hex (zxids, session ids) travel as `0x…` strings, as zkCli.sh
 * prints them; a session id is 64 bits and would lose precision as a JSON number.
 * @module
 */

/** A znode's Stat, with zxids and the ephemeral owner in hex and times in ms since the epoch. */
export interface StatJson {
  /** zxid of the create, hex. */
  czxid: string
  /** zxid of the last setData, hex. */
  mzxid: string
  /** zxid of the last change to the children, hex. */
  pzxid: string
  /** Create time, ms since the epoch. */
  ctime: number
  /** Last modification time, ms since the epoch. */
  mtime: number
  /** Data version. */
  version: number
  /** Children version. */
  cversion: number
  /** ACL version. */
  aversion: number
  /** Session id of an ephemeral's owner, hex; `0x0` for any other node. */
  ephemeralOwner: string
  /** Bytes of data. */
  dataLength: number
  /** Number of children. */
  numChildren: number
}

/** One ACL entry. */
export interface AclJson {
  /** Scheme, for example `world` or `digest`. */
  scheme: string
  /** Identity within the scheme. */
  id: string
  /** Permissions as zkCli.sh prints them (`cdrwa`). */
  perms: string
}

/** `GET api/node`: a znode's data (base64), Stat and ACL, read together. */
export interface NodeJson {
  /** The node's path. */
  path: string
  /** Its data, base64. */
  data: string
  /** Its Stat when the data was read (its `version` is the one an edit must match). */
  stat: StatJson
  /** Its ACL. */
  acl: AclJson[]
}

/** One child in {@link ChildrenPageJson}. */
export interface ChildJson {
  /** The child's name (not its path). */
  name: string
  /** Its number of children, when it could be read (absent if it went away meanwhile). */
  numChildren?: number
  /** Whether it is an ephemeral node. */
  ephemeral?: boolean
}

/** `GET api/children`: one page of a node's children, sorted by name, filtered by a substring. */
export interface ChildrenPageJson {
  /** The parent's path. */
  path: string
  /** Number of children in all. */
  total: number
  /** Number of children whose name contains the filter. */
  matched: number
  /** Index of the first child of this page among the matched ones. */
  offset: number
  /** The children of this page. */
  children: ChildJson[]
}

/** `GET api/session`: the browser session, with the token every mutating request must send. */
export interface SessionJson {
  /** Send it as the `x-paddock-console-token` header on every POST. */
  token: string
  /** The digest user signed in, or null: read-only. */
  user: string | null
  /** What the console is connected to, for the title bar. */
  target: string
}

/** A member as the Ensemble view shows it, from its `mntr` figures. */
export interface MemberJson {
  /** The member's name (its id, or host:port). */
  name: string
  /** leader, follower, observer, standalone, looking; `unreachable` when it did not answer. */
  role: string
  /** Last processed zxid, hex. */
  zxid?: string
  /** Epoch of that zxid (its high 32 bits). */
  epoch?: number
  /** Client connections. */
  connections?: number
  /** Requests received and not yet answered. */
  outstandingRequests?: number
  /** Number of znodes. */
  znodeCount?: number
  /** Number of watches. */
  watchCount?: number
  /** Number of sessions. */
  sessionCount?: number
  /** Packets received since the counters were reset (the page turns it into requests/s). */
  packetsReceived?: number
  /** Average request latency, ms. */
  avgLatencyMs?: number
  /** Largest request latency, ms. */
  maxLatencyMs?: number
  /**
   * Transactions behind the leader: the leader's zxid minus this member's, both of the same epoch
   * (0 for the leader). Computed by the console from the zxids the members report; absent when
   * there is no leader or the two zxids are of different epochs (see {@link lagNote}).
   */
  lag?: number
  /** Why {@link lag} is absent for a member that reported a zxid (`no leader`, `older epoch`). */
  lagNote?: string
  /** Times this member went looking for a leader (Paddock's `election_count`, ZooKeeper's `looking_count`), when it reports it. */
  elections?: number
  /** Average time its elections took, ms (ZooKeeper's `avg_election_time`), when it reports it. */
  electionAvgMs?: number
  /** Longest time an election took, ms (ZooKeeper's `max_election_time`), when it reports it. */
  electionMaxMs?: number
  /** Request latency percentiles the member computes itself (Apache ZooKeeper's `p50_…latency` keys), ms. */
  latencyPercentilesMs?: PercentilesJson
  /** Request latencies as a cumulative histogram, for percentiles over any interval (a Paddock member's own console). */
  latencyHistogram?: HistogramJson
  /** Log fsync times as a cumulative histogram (a Paddock member's own console). */
  fsyncHistogram?: HistogramJson
  /** Log fsyncs counted (`cnt_fsynctime`). */
  fsyncCount?: number
  /** Sum of the log fsync times, ms (`sum_fsynctime`). */
  fsyncSumMs?: number
  /** Why the member could not be read. */
  error?: string
}

/** Percentiles of a latency, ms. */
export interface PercentilesJson {
  /** The median. */
  p50?: number
  /** The 95th percentile. */
  p95?: number
  /** The 99th percentile. */
  p99?: number
}

/**
 * A cumulative histogram (as Prometheus keeps one): `counts[i]` observations took at most
 * `boundsMs[i]`; `count` is every observation, those above the last bound included. Two readings
 * give the percentiles of what happened between them.
 */
export interface HistogramJson {
  /** Upper bounds of the buckets, ms, ascending. */
  boundsMs: number[]
  /** Observations at or below each bound, since the member started. */
  counts: number[]
  /** Every observation since the member started. */
  count: number
}

/** A session as the Sessions view lists it: what the members know of it, merged. */
export interface SessionRowJson {
  /** The session id, hex. */
  id: string
  /** The member its client is connected to, or else the first member that reported it. */
  member: string
  /** The client's address, when it is connected to a member the console reads (`cons`). */
  client?: string
  /** The negotiated timeout, ms, when known. */
  timeoutMs?: number
  /** ms until it expires unless the client is heard from, when known (`dump`). */
  expiresInMs?: number
  /** Its ephemeral nodes (`dump`), when known. */
  ephemerals?: string[]
  /** The paths it watches (`wchc`), on whichever member holds the watches, when known. */
  watches?: string[]
}

/** `GET api/sessions`: every session the members report, with its ephemerals and watches. */
export interface SessionsJson {
  /** When the sessions were read, ms since the epoch. */
  atMs: number
  /** The sessions (at most lib/console/limits.ts's consoleSessionRowsMax). */
  sessions: SessionRowJson[]
  /** What could not be read, one line per member (for example a server that does not allow `dump`). */
  notes: string[]
}

/** One member of a configuration. */
export interface ServerJson {
  /** The server id (`server.N`). */
  id: number
  /** Its quorum and election addresses, `host:port:port`. */
  address: string
  /** `participant` or `observer`. */
  role: string
  /** Its client address, `host:port`, when the configuration names one. */
  client?: string
}

/** The ensemble's configuration, as a member reports it. */
export interface ConfigurationJson {
  /** Where it was read: `/zookeeper/config`, or the member's own configuration. */
  source: string
  /** The configuration's version (hex, as ZooKeeper's `version=` line), when the member reports one. */
  version?: string
  /** Its servers. */
  servers: ServerJson[]
}

/** A leader the console saw elected. */
export interface ElectionJson {
  /** When the console first saw the new leader, ms since the epoch. */
  atMs: number
  /** The new leader; absent when the console does not read it (a follower's own console sees only that it follows again). */
  leader?: string
  /** The leader before it, when the console saw one. */
  previous?: string
  /**
   * The time without a leader lay between these two bounds, ms: the span of the readings that saw
   * no leader, and the time from the last reading with the old leader to the first with the new.
   */
  leaderlessMinMs: number
  /** The upper bound; absent when the console started while there was no leader. */
  leaderlessMaxMs?: number
}

/** A member's role changing between two readings. */
export interface RoleChangeJson {
  /** When the console saw it, ms since the epoch. */
  atMs: number
  /** The member. */
  member: string
  /** Its role before. */
  from: string
  /** Its role now. */
  to: string
}

/** What the console saw of elections, from the roles it read every time the page asked. */
export interface ElectionsJson {
  /** Since when the console has been watching, ms since the epoch. */
  observedSinceMs: number
  /** The leader now, if there is one. */
  leader?: string
  /** Since when there has been no leader, when there is none now. */
  leaderlessSinceMs?: number
  /** Leaders elected, newest first. */
  elections: ElectionJson[]
  /** Role changes, newest first. */
  roleChanges: RoleChangeJson[]
}

/** `GET api/ensemble`: every member, read at one moment. */
export interface EnsembleJson {
  /** When the figures were read, ms since the epoch. */
  atMs: number
  /** The members. */
  members: MemberJson[]
  /** The elections and role changes the console saw. */
  elections: ElectionsJson
  /** The configuration, when a member reports it. */
  configuration?: ConfigurationJson
}

/** A command the Commands view offers. */
export interface CommandJson {
  /** The name to ask for. */
  name: string
  /** Other names of the same command (its four-letter word, for an admin command). */
  aliases: string[]
  /** `admin` (JSON, as the admin server answers it) or `four-letter word` (text). */
  kind: string
}

/** `GET api/command`: one command's raw output. */
export interface CommandOutputJson {
  /** The member asked. */
  member: string
  /** The command run. */
  command: string
  /** When it answered, ms since the epoch. */
  atMs: number
  /** Its output, as the member wrote it (cut at lib/console/limits.ts's consoleCommandOutputCharsMax). */
  output: string
}

/** One event of the `api/watch` stream (Server-Sent Events, `data:` lines of this JSON). */
export interface WatchEventJson {
  /** ZooKeeper's event type (`NodeCreated`, `NodeDataChanged`, ...). */
  type: string
  /** The znode. */
  path: string
  /**
   * The zxid of the change, hex, where the server can tell: the mzxid of the node read right after
   * the event (a created or changed node), or the pzxid of the parent (a deleted node). A later
   * change in between shows its zxid instead.
   */
  zxid?: string
  /** When the console received it, ms since the epoch. */
  atMs: number
}

/** The body of every error answer. */
export interface ErrorJson {
  /** What went wrong, for people. */
  error: string
  /** ZooKeeper's error code (`BADVERSION`, `NOAUTH`, ...) or the console's own (`READONLY`, `CSRF`). */
  code?: string
}
