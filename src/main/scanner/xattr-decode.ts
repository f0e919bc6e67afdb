// Extended attributes that carry an ACL or file capabilities, decoded into the text getfacl and
// getcap print, so that a host with getfattr needs neither and every host shows the same value.

const TAGS: Record<number, string> = { 0x01: 'user', 0x02: 'user', 0x04: 'group', 0x08: 'group', 0x10: 'mask', 0x20: 'other' };
const NAMED = new Set([0x02, 0x08]);

function perms(p: number): string {
  return `${p & 4 ? 'r' : '-'}${p & 2 ? 'w' : '-'}${p & 1 ? 'x' : '-'}`;
}

/** system.posix_acl_access / _default (version 2: tag u16, perm u16, id u32, little-endian) → entries. */
export function aclEntries(hex: string, prefix = ''): string[] | null {
  const b = Buffer.from(hex, 'hex');
  if (b.length < 4 || (b.length - 4) % 8 !== 0 || b.readUInt32LE(0) !== 2) return null;
  const out: string[] = [];
  for (let o = 4; o < b.length; o += 8) {
    const tag = b.readUInt16LE(o);
    const name = TAGS[tag];
    if (!name) return null;
    const id = NAMED.has(tag) ? String(b.readUInt32LE(o + 4)) : '';
    out.push(`${prefix}${name}:${id}:${perms(b.readUInt16LE(o + 2))}`);
  }
  return out;
}

/**
 * The ACL as `getfacl --skip-base -n -E` prints it (entries joined by commas), or null when the
 * entry has only the base ACL that its mode already shows. `mode` gives the base entries of a
 * directory that has a default ACL but no access ACL.
 */
export function aclText(access: string | undefined, dflt: string | undefined, mode: string): string | null {
  const a = access !== undefined ? aclEntries(access) : null;
  const d = dflt !== undefined ? aclEntries(dflt, 'default:') : null;
  const extended = (a && a.length > 3) || (d && d.length > 0);
  if (!extended) return null;
  const m = parseInt(mode, 8);
  const base = a ?? [`user::${perms(m >> 6)}`, `group::${perms(m >> 3)}`, `other::${perms(m)}`];
  return [...base, ...(d ?? [])].join(',');
}

// Capability numbers (linux/capability.h) and the names libcap prints.
const CAP_NAMES = [
  'cap_chown', 'cap_dac_override', 'cap_dac_read_search', 'cap_fowner', 'cap_fsetid', 'cap_kill', 'cap_setgid', 'cap_setuid',
  'cap_setpcap', 'cap_linux_immutable', 'cap_net_bind_service', 'cap_net_broadcast', 'cap_net_admin', 'cap_net_raw',
  'cap_ipc_lock', 'cap_ipc_owner', 'cap_sys_module', 'cap_sys_rawio', 'cap_sys_chroot', 'cap_sys_ptrace', 'cap_sys_pacct',
  'cap_sys_admin', 'cap_sys_boot', 'cap_sys_nice', 'cap_sys_resource', 'cap_sys_time', 'cap_sys_tty_config', 'cap_mknod',
  'cap_lease', 'cap_audit_write', 'cap_audit_control', 'cap_setfcap', 'cap_mac_override', 'cap_mac_admin', 'cap_syslog',
  'cap_wake_alarm', 'cap_block_suspend', 'cap_audit_read', 'cap_perfmon', 'cap_bpf', 'cap_checkpoint_restore',
];

/**
 * security.capability (struct vfs_cap_data: magic_etc, then permitted/inheritable words) → the
 * canonical text of canonicalCaps() (records.ts), e.g. "cap_setuid=ep". With the effective bit
 * set, every permitted or inheritable capability is effective (as libcap reads it).
 */
export function capsText(hex: string): string | null {
  const b = Buffer.from(hex, 'hex');
  if (b.length < 12) return null;
  const magic = b.readUInt32LE(0);
  const revision = magic & 0xff000000;
  const effective = (magic & 1) === 1;
  const words = revision === 0x01000000 ? 1 : 2;
  if (b.length < 4 + words * 8) return null;
  const byFlags = new Map<string, string[]>();
  for (let w = 0; w < words; w++) {
    const permitted = b.readUInt32LE(4 + w * 8);
    const inheritable = b.readUInt32LE(8 + w * 8);
    for (let bit = 0; bit < 32; bit++) {
      const p = (permitted >>> bit) & 1;
      const i = (inheritable >>> bit) & 1;
      if (!p && !i) continue;
      const flags = `${effective ? 'e' : ''}${i ? 'i' : ''}${p ? 'p' : ''}`;
      const n = w * 32 + bit;
      byFlags.set(flags, [...(byFlags.get(flags) ?? []), CAP_NAMES[n] ?? `cap_${n}`]);
    }
  }
  let text = [...byFlags.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([flags, caps]) => `${caps.sort().join(',')}=${flags}`)
    .join(' ');
  if (revision === 0x03000000 && b.length >= 24) text += ` [rootid=${b.readUInt32LE(20)}]`;
  return text || null;
}
