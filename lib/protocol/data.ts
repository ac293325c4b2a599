/**
 * The records of ZooKeeper's `org.apache.zookeeper.data` package that every layer shares ({@link Id},
 * {@link ACL}, {@link Stat}, {@link ClientInfo}), the permission bits (`ZooDefs.Perms`) and the
 * standard ids and ACLs (`ZooDefs.Ids`). Pure values and types: the digest and ACL check code
 * stays in lib/tree/acl.ts.
 * @module
 */

/** An identity in an ACL: a scheme (`world`, `auth`, `digest`, `ip`, `super`) and an id in it. */
export interface Id {
  /** The scheme, for example `'digest'`. */
  scheme: string
  /** The id within the scheme, for example `'anyone'` or `'user:base64(sha1(user:password))'`. */
  id: string
}

/** One ACL entry: a permission bit mask (see {@link Perms}) granted to an {@link Id}. */
export interface ACL {
  /** Bitwise OR of {@link Perms} values. */
  perms: number
  /** Who is granted the permissions. */
  id: Id
}

/** The Stat of a znode exactly as ZooKeeper reports it to clients (jute `Stat`). */
export interface Stat {
  /** zxid of the create. */
  czxid: number
  /** zxid of the last setData (or the create). */
  mzxid: number
  /** Create time, ms since the epoch (the leader's clock). */
  ctime: number
  /** Last modification time, ms since the epoch. */
  mtime: number
  /** Number of setData calls (the data version). */
  version: number
  /** Number of child creates plus child deletes. */
  cversion: number
  /** Number of setACL calls. */
  aversion: number
  /** Session id of an ephemeral's owner; 0n for every other node (containers and TTL nodes too). */
  ephemeralOwner: bigint
  /** Length of the data in bytes. */
  dataLength: number
  /** Number of children. */
  numChildren: number
  /** zxid of the last change to the children (create or delete of a child). */
  pzxid: number
}

/**
 * A {@link Stat} made by a constructor rather than an object literal, for the paths that make one
 * per request. V8 watches each object-literal site: once most objects from a site outlive a
 * young-generation collection, as the replies to a batch of a thousand reads in flight do, it
 * makes every later object of that site in the old generation, for the rest of the process. That
 * made in-process reads run at half speed in about one process in three. Objects made by `new`
 * are not watched that way.
 */
export class StatRecord implements Stat {
  constructor(
    public czxid: number,
    public mzxid: number,
    public ctime: number,
    public mtime: number,
    public version: number,
    public cversion: number,
    public aversion: number,
    public ephemeralOwner: bigint,
    public dataLength: number,
    public numChildren: number,
    public pzxid: number,
  ) {}
}

/** One identity of a connection, as whoAmI reports it (jute `ClientInfo`). */
export interface ClientInfo {
  /** The auth scheme, for example `digest` or `ip`. */
  authScheme: string
  /** The user in that scheme, for example the digest user name or the address. */
  user: string
}

/** ZooKeeper's permission bits (`ZooDefs.Perms`). */
export const Perms = {
  /** May read data and list children. */
  READ: 1,
  /** May set data. */
  WRITE: 2,
  /** May create children. */
  CREATE: 4,
  /** May delete children. */
  DELETE: 8,
  /** May set the ACL. */
  ADMIN: 16,
  /** Every permission. */
  ALL: 31,
} as const

/** world:anyone, the id every connection holds (`ZooDefs.Ids.ANYONE_ID_UNSAFE`). */
export const ANYONE_ID_UNSAFE: Readonly<Id> = Object.freeze({ scheme: 'world', id: 'anyone' })

/** Stands for the ids the session authenticated with, in create and setACL (`ZooDefs.Ids.AUTH_IDS`). */
export const AUTH_IDS: Readonly<Id> = Object.freeze({ scheme: 'auth', id: '' })

/** The id of the super user once it has authenticated with the configured super digest. */
export const SUPER_ID: Readonly<Id> = Object.freeze({ scheme: 'super', id: '' })

/** world:anyone with every permission (`ZooDefs.Ids.OPEN_ACL_UNSAFE`). */
export const OPEN_ACL_UNSAFE: readonly ACL[] = Object.freeze([{ perms: Perms.ALL, id: { ...ANYONE_ID_UNSAFE } }])

/** Every permission for the ids the creator authenticated with (`ZooDefs.Ids.CREATOR_ALL_ACL`). */
export const CREATOR_ALL_ACL: readonly ACL[] = Object.freeze([{ perms: Perms.ALL, id: { ...AUTH_IDS } }])

/** world:anyone may read (`ZooDefs.Ids.READ_ACL_UNSAFE`). */
export const READ_ACL_UNSAFE: readonly ACL[] = Object.freeze([{ perms: Perms.READ, id: { ...ANYONE_ID_UNSAFE } }])
