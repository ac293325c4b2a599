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
  /** Why the member could not be read. */
  error?: string
}

/** A session as the Ensemble view lists it (what the member it was read from knows of it). */
export interface SessionRowJson {
  /** The session id, hex. */
  id: string
  /** The member it was read from. */
  member: string
  /** The client's address, when it is connected to that member. */
  client?: string
  /** The negotiated timeout, ms, when known. */
  timeoutMs?: number
  /** ms until it expires unless the client is heard from, when known. */
  expiresInMs?: number
  /** Its ephemeral nodes, when known. */
  ephemerals?: number
  /** Its watches on that member, when known. */
  watches?: number
}

/** `GET api/ensemble`: every member, read at one moment. */
export interface EnsembleJson {
  /** When the figures were read, ms since the epoch. */
  atMs: number
  /** The members. */
  members: MemberJson[]
  /** Sessions, by member (at most lib/console/limits.ts's consoleSessionRowsMax). */
  sessions: SessionRowJson[]
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
