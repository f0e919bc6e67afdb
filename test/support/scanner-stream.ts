// A valid scanner stream holding every record kind (the current protocol), and the helpers that build one:
// the parser's tests and its fuzz test start from it.
import { PROTOCOL_VERSION } from '../../src/main/scanner/protocol.js';

export const NUL = '\0';
export const f = (...parts: string[]) => parts.map((p) => p + NUL).join('');
export const V = f('V', PROTOCOL_VERSION);
export const H1 = 'a'.repeat(64);
export const H2 = 'b'.repeat(64);
export const hex = (s: string) => Buffer.from(s, 'latin1').toString('hex');
export const E = (path: string, o: Partial<Record<'idx' | 'type' | 'mode' | 'uid' | 'gid' | 'size' | 'mtime' | 'ctime' | 'inode' | 'nlink' | 'link' | 'error', string>> = {}) =>
  f('E', o.idx ?? '0', path, o.type ?? 'f', o.mode ?? '644', o.uid ?? '0', o.gid ?? '0', o.size ?? '5', o.mtime ?? '1700000000.1234567890', o.ctime ?? '1700000001.5', o.inode ?? '1234', o.nlink ?? '1', o.link ?? '', o.error ?? '');
export const statLine = (raw: string, n: string, o: { size?: string; tT?: string } = {}) =>
  `${raw} 0 0 ${o.size ?? '5'} 1700000000 2023-11-14 22:13:20.123456789 +0000 1700000001 2023-11-14 22:13:21.5 +0000 1234 1 ${o.tT ?? '0 0'} ${n}`;

export const STREAM =
  V +
  f('P', 'shell', 'dash') +
  'U' + NUL + 'root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/:/bin/sh\nbad line\n' + Buffer.from('ünï:x:1000:1000::/home/u:/bin/sh\n').toString('latin1') + NUL +
  'G' + NUL + 'root:x:0:\n' + NUL +
  f('T', '0', 'ok') +
  E('/t', { type: 'd', mode: '755' }) +
  E('/t/a b\n\\c\xff') +
  E('/t/link', { type: 'l', mode: '777', link: '../x\xff' }) +
  E('/t/dev', { type: 'c', size: '0' }) +
  E('/t/secret', { error: 'Permission denied' }) +
  f('D', '/t/dev', '1:a') +
  f('T', '1', 'missing') +
  // A stat batch of three (GNU %N), and one of one whose name and link target hold newlines (BusyBox %N).
  f('X', '2', '3', '/s/f', '/s/l', '/s/c', [statLine('81a4', '/s/f'), statLine('a1ff', '/s/l -> tar get', { size: '7' }), statLine('2180', '/s/c', { tT: '1 3' })].join('\n') + '\n', 'rur') +
  f('X', '2', '1', '/s/new\nl', statLine('a1ff', "'/s/new\nl' -> 'x\ny'", { size: '3' }) + '\n', 'r') +
  f('N', '/t/new\nline', H1) +
  'O' + NUL + '/t/small' + NUL + ' 68 69\n 0a\n' + NUL + '0' + NUL +
  'O' + NUL + '/t/gone' + NUL + NUL + '1' + NUL +
  'A' + NUL + 'xattrs' + NUL + '# file: /t/we\\012ird\\134\nuser.a=0x76\nsecurity.selinux=0x73797374656d5f753a6f626a6563745f723a6574635f743a733000\n\n' + NUL +
  'A' + NUL + 'acl' + NUL + '# file: /t/x\\\\y\n# owner: 0\n# group: 0\nuser::rw-\nuser:1000:r--\ngroup::r--\nmask::r--\nother::r--\n\n' + NUL +
  f('C', '/t/capbin', ' cap_setuid=ep') +
  f('L', '0', '2', '/t', '/t/n\nl', '----i---------e------- /t\n-----a--------e------- /t/n\nl\n') +
  f('L', '1', '3', '/u/a', '/u/b', '/u/c', '--------------e------- /u/c\n') +
  'A' + NUL + 'flags' + NUL + '----i---------e------- /v/a b\xff\n--------------e------- /v/trailing \n' + NUL +
  // The perl reader: flags and attributes in hex (names: "user.a=b", "user.\\n"; an empty value).
  f('K', '/k/new\nline', '-ia', `${hex('user.a=b')}=76 ${hex('user.\\\n')}=`) +
  f('K', '/k/plain', '-', '') +
  f('K', '/k/link', '?', `${hex('security.selinux')}=${hex('l_t\0')}`) +
  'H' + NUL + `${H1} */t/x\n\\${H2}  /t/back\\\\slash\\nnew\n${H2}  /t/plain name\n` + NUL +
  f('Z');
