/**
 * A consistent, copy-on-write view of a {@link DataTree} at one zxid, for an online backup: taking
 * it copies only the list of paths, and the tree keeps applying transactions while the view is
 * read in pieces. Before the tree changes a node the view has not read yet, it hands the view the
 * node's image as it was (or "absent" for a node created after the view was taken), so every read
 * answers as of the view's zxid. Pure: no clock, no I/O.
 * @module
 */
import type { ACL } from '../protocol/data.js'
import type { NodeKind } from '../txn/types.js'
import type { DataTree, TreeCaptureHook, ZNode } from './data-tree.js'

/** A node's fields as a captured view reads them; the data and ACL arrays are never mutated in place. */
export interface NodeImage {
  readonly data: Uint8Array
  readonly acl: readonly ACL[]
  readonly czxid: number
  readonly mzxid: number
  readonly pzxid: number
  readonly ctime: number
  readonly mtime: number
  readonly version: number
  /** The count of child creates, as {@link ZNode.cversion}. */
  readonly cversion: number
  readonly aversion: number
  readonly ephemeralOwner: bigint
  readonly kind: NodeKind
  readonly ttlMs: number
}

/** A copy of `node`'s fields now. */
export function imageOf(node: ZNode): NodeImage {
  const { data, acl, czxid, mzxid, pzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner, kind, ttlMs } = node
  return { data, acl, czxid, mzxid, pzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner, kind, ttlMs }
}

/**
 * The tree as it was when {@link TreeCapture.take} ran. Read it with {@link TreeCapture.read} for
 * each of {@link TreeCapture.paths} (parents before children), then {@link TreeCapture.release}
 * it. A capture the tree could not keep (the whole tree was replaced, as by a SNAP from the
 * leader) is {@link TreeCapture.broken}: its reads are no longer of one zxid.
 */
export class TreeCapture implements TreeCaptureHook {
  /** Images saved before the tree changed a node; null: the node did not exist at the capture's zxid. */
  private readonly saved = new Map<string, NodeImage | null>()
  private done = false
  /** Why the capture is no longer consistent, if it is not. */
  broken: string | undefined = undefined

  private constructor(
    private readonly tree: DataTree,
    /** The zxid of the last transaction applied to the tree when the capture was taken. */
    readonly zxid: number,
    /** Every path at the capture's zxid, parents before children. */
    readonly paths: readonly string[],
  ) {}

  /** Captures `tree` now; it costs one copy of the list of paths. */
  static take(tree: DataTree): TreeCapture {
    const capture = new TreeCapture(tree, tree.lastProcessedZxid, [...tree.paths()])
    tree.addCapture(capture)
    return capture
  }

  /** The node at `path` as of the capture's zxid, or undefined when it did not exist then. */
  read(path: string): NodeImage | undefined {
    const saved = this.saved.get(path)
    if (saved !== undefined) return saved ?? undefined
    const node = this.tree.get(path)
    return node === undefined ? undefined : imageOf(node)
  }

  /** Number of node images kept because the tree changed them after the capture. */
  get savedCount(): number {
    return this.saved.size
  }

  /**
   * Called by the tree before it changes the node at `path` (`node` is undefined when there is
   * none yet): the first change after the capture keeps the image as it was.
   */
  beforeChange(path: string, node: ZNode | undefined): void {
    if (this.done || this.saved.has(path)) return
    this.saved.set(path, node === undefined ? null : imageOf(node))
  }

  /** Called by the tree when it is replaced wholesale: the capture cannot stay consistent. */
  invalidate(reason: string): void {
    this.broken ??= reason
    this.release()
  }

  /** Stops following the tree and drops the saved images. Safe to call twice. */
  release(): void {
    if (this.done) return
    this.done = true
    this.saved.clear()
    this.tree.removeCapture(this)
  }
}
