// The attributes of a file-system entry, one row each. Every list of attribute names (what a
// target compares by default, what a host checks per tool, the rows the console and the CLI show,
// the keys of the stored extra JSON) is derived from this table. Names are exactly as they appear
// in events (the CLI's JSON contract depends on them). Pure data: no Node, DOM or Electron.

export interface AttributeSpec {
  readonly name: string;
  /**
   * Where the value comes from: `stat`, stat(2) and the host's user and group names (every host);
   * `tool`, a tool of the host (checked per host: absent from an entry whose host has none of its
   * tools, never taken as equal); `content`, the kept text of a small file (targets that keep it).
   */
  readonly source: 'stat' | 'tool' | 'content';
  /**
   * What compares it by default: every target (`master`: what should be equal on every host built
   * alike), `self` targets only (a host against its own past: times, inode, link count), targets
   * that keep content (`kept`), or none (`never`: shown beside the uid and gid it names).
   */
  readonly compared: 'master' | 'self' | 'kept' | 'never';
  /** How people see it: as it is, as a local date (`time`), as a path's display escape, or as a diff of text (no row). */
  readonly shown: 'value' | 'time' | 'path' | 'diff';
  /** The host tools that can check it, preferred first (source `tool`); perl reads them all in one process. */
  readonly tools?: readonly string[];
}

/** In the order entries show them: stat(2) first, then what tools read, then content. */
export const ATTRIBUTES = [
  { name: 'type', source: 'stat', compared: 'master', shown: 'value' },
  { name: 'mode', source: 'stat', compared: 'master', shown: 'value' },
  { name: 'uid', source: 'stat', compared: 'master', shown: 'value' },
  { name: 'gid', source: 'stat', compared: 'master', shown: 'value' },
  { name: 'owner', source: 'stat', compared: 'never', shown: 'value' },
  { name: 'group', source: 'stat', compared: 'never', shown: 'value' },
  { name: 'size', source: 'stat', compared: 'master', shown: 'value' },
  { name: 'mtime', source: 'stat', compared: 'self', shown: 'time' },
  { name: 'ctime', source: 'stat', compared: 'self', shown: 'time' },
  { name: 'inode', source: 'stat', compared: 'self', shown: 'value' },
  { name: 'nlink', source: 'stat', compared: 'self', shown: 'value' },
  { name: 'device', source: 'stat', compared: 'master', shown: 'value' },
  { name: 'target', source: 'stat', compared: 'master', shown: 'path' },
  { name: 'sha256', source: 'stat', compared: 'master', shown: 'value' },
  { name: 'xattrs', source: 'tool', compared: 'master', shown: 'value', tools: ['perl', 'getfattr'] },
  { name: 'acl', source: 'tool', compared: 'master', shown: 'value', tools: ['perl', 'getfattr', 'getfacl'] },
  { name: 'caps', source: 'tool', compared: 'master', shown: 'value', tools: ['perl', 'getfattr', 'getcap'] },
  { name: 'selinux', source: 'tool', compared: 'master', shown: 'value', tools: ['perl', 'getfattr'] },
  { name: 'flags', source: 'tool', compared: 'master', shown: 'value', tools: ['perl', 'lsattr'] },
  { name: 'content', source: 'content', compared: 'kept', shown: 'diff' },
] as const satisfies readonly AttributeSpec[];

type Row = (typeof ATTRIBUTES)[number];
export type AttributeName = Row['name'];
/** What stat(2) gives (every host). */
export type CoreAttribute = Extract<Row, { source: 'stat' }>['name'];
/** What a host's tools read: absent from an entry where the host has none of them. */
export type ToolAttribute = Extract<Row, { source: 'tool' }>['name'];

const names = <N extends AttributeName>(keep: (row: Row) => boolean) => ATTRIBUTES.filter(keep).map((a) => a.name as N);

export const ALL_ATTRIBUTES: readonly AttributeName[] = names(() => true);
export const CORE_ATTRIBUTES: readonly CoreAttribute[] = names((a) => a.source === 'stat');
/** Beyond stat(2): the tool attributes and content, in the order of the stored extra JSON's keys. */
export const EXTENDED_ATTRIBUTES: readonly Exclude<AttributeName, CoreAttribute>[] = names((a) => a.source !== 'stat');
export const TOOL_ATTRIBUTES: readonly ToolAttribute[] = names((a) => a.source === 'tool');

const SPECS = new Map<AttributeName, AttributeSpec>(ATTRIBUTES.map((a) => [a.name, a]));
export function attributeSpec(name: AttributeName): AttributeSpec {
  return SPECS.get(name)!;
}

const PER_HOST = new Set<AttributeName>(EXTENDED_ATTRIBUTES);
/** Checked per host (a tool attribute, or content): absent from an entry where it was not checked. */
export const isCheckedPerHost = (name: AttributeName): boolean => PER_HOST.has(name);

/**
 * The order a target's compared attributes come in, and so the changes of a deviation (events and
 * the CLI's JSON keep it): what should be equal on every host first, then a host's own past, then
 * kept content. Which of them a target compares is each row's `compared`.
 */
const COMPARISON_ORDER: readonly AttributeName[] = [
  'type', 'mode', 'uid', 'gid', 'size', 'sha256', 'target', 'device', 'xattrs', 'acl', 'caps', 'selinux', 'flags',
  'mtime', 'ctime', 'inode', 'nlink', 'content',
];
const compared = (...by: AttributeSpec['compared'][]) => COMPARISON_ORDER.filter((n) => by.includes(attributeSpec(n).compared));

/** What a `master` target compares by default: what should be equal on every host built alike. */
export const MASTER_ATTRIBUTES: readonly AttributeName[] = compared('master');
/** A `self` target compares a host with its own past, so times, inode and link count count too. */
export const SELF_ATTRIBUTES: readonly AttributeName[] = compared('master', 'self');

/** The order a host's pre-flight lists the tool attributes it can and cannot check in (as it always has). */
export const PREFLIGHT_ORDER: readonly ToolAttribute[] = ['xattrs', 'selinux', 'acl', 'caps', 'flags'];

/** What an entry shows for an attribute its host could not check. */
export const NOT_CHECKED = 'not checked on this host';
