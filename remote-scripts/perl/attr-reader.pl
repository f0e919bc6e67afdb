# The attributes beyond stat(2) in one process, where the host has perl (perl-base is on every
# Debian system): extended attributes (llistxattr/lgetxattr, through the open file where it can)
# and ext flags (FS_IOC_GETFLAGS, the ioctl lsattr uses), without a tool started per batch. perl
# has no functions for either, so it makes the system calls itself: only on the architectures
# whose numbers are listed (anything else, or a failed probe, keeps the tools). Like lsattr, it
# opens only regular files and directories, non-blocking and without following a link.
# Arguments: probe (prints ok, NUL-terminated, then answers as paths b: the pre-flight's probe and
# its check against the host's tools in one start); walk (input: WHAT TYPE PATH, NUL-terminated,
# TYPE as find's %y); paths WHAT (input: NUL-terminated paths, their type read by lstat). WHAT: b
# both, x extended attributes, f flags. Output, held until the input ends (so it never
# interleaves with the walk's records): K PATH FLAGS XATTRS, FLAGS being lsattr's letters ("-" for
# none, "?" not read) and XATTRS "HEXNAME=HEXVALUE" pairs, space-separated; for files and
# directories asked for flags, and for any entry that has extended attributes.
# No module is loaded (each costs its load at every start, and perl starts several times a scan):
# the numbers below stand for Config, Fcntl and Errno.

use strict;
# The kernel interface, each number next to the Linux header it comes from (so that a change there
# can be checked against it). perl has no function for these calls: it makes them by number.
# Which numbers: those of the machine perl itself runs as, read from its ELF header (the class at
# byte 4, 2 for 64-bit; e_machine at byte 18: include/uapi/linux/elf-em.h, EM_X86_64 62 and
# EM_AARCH64 183). 64-bit only: x32 and 32-bit ARM have other tables.
# System call numbers: x86_64 from arch/x86/entry/syscalls/syscall_64.tbl; aarch64 from
# include/uapi/asm-generic/unistd.h (arm64 uses the generic table).
# Open flags O_RDONLY | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW: include/uapi/asm-generic/fcntl.h
# (0, 0400, 04000, 0400000), where arch/arm64/include/uapi/asm/fcntl.h moves O_NOFOLLOW to 0100000.
my %nr = (
	#      openat ioctl close llistxattr flistxattr lgetxattr fgetxattr open flags
	62  => [257,  16,   3,    195,       196,       192,      193,      0400 | 04000 | 0400000],    # x86_64
	183 => [56,   29,   57,   12,        13,        9,        10,       0400 | 04000 | 0100000],    # aarch64
);
my $elf = "";
if (open(my $exe, "<", "/proc/self/exe")) { sysread($exe, $elf, 20); close $exe; }
exit 3 unless length($elf) == 20 && substr($elf, 0, 5) eq "\x7fELF\x02";
my $machine = unpack("v", substr($elf, 18, 2));
exit 3 unless $nr{$machine};
my ($OPENAT, $IOCTL, $CLOSE, $LLIST, $FLIST, $LGET, $FGET, $OPEN) = @{$nr{$machine}};
# AT_FDCWD, include/uapi/linux/fcntl.h; EOPNOTSUPP, include/uapi/asm-generic/errno.h (both machines).
my $AT_FDCWD = -100;
my $EOPNOTSUPP = 95;
# FS_IOC_GETFLAGS, _IOR of type f, number 1 and the size of a long (8 bytes): include/uapi/linux/fs.h.
my $GETFLAGS = 0x80086601;
# The FS_*_FL flags of include/uapi/linux/fs.h, each with the letter lsattr prints for it, in
# the order lsattr prints them in (e2fsprogs, lib/e2p/pf.c). Layout flags (extents, indexed, inline data, huge
# file) are left out: they describe how a file is stored, not how it is protected.
my @LETTERS = (
	[0x00000001, "s"],    # FS_SECRM_FL
	[0x00000002, "u"],    # FS_UNRM_FL
	[0x00000008, "S"],    # FS_SYNC_FL
	[0x00010000, "D"],    # FS_DIRSYNC_FL
	[0x00000010, "i"],    # FS_IMMUTABLE_FL
	[0x00000020, "a"],    # FS_APPEND_FL
	[0x00000040, "d"],    # FS_NODUMP_FL
	[0x00000080, "A"],    # FS_NOATIME_FL
	[0x00000004, "c"],    # FS_COMPR_FL
	[0x00000800, "E"],    # FS_ENCRYPT_FL
	[0x00004000, "j"],    # FS_JOURNAL_DATA_FL
	[0x00008000, "t"],    # FS_NOTAIL_FL
	[0x00020000, "T"],    # FS_TOPDIR_FL
	[0x00800000, "C"],    # FS_NOCOW_FL
	[0x02000000, "x"],    # FS_DAX_FL
	[0x40000000, "F"],    # FS_CASEFOLD_FL
	[0x20000000, "P"],    # FS_PROJINHERIT_FL
	[0x00100000, "V"],    # FS_VERITY_FL
	[0x00000400, "m"],    # FS_NOCOMP_FL
);
my %letters;
my ($list, $value, $word) = ("\0" x 65536, "\0" x 65536, "\0" x 8);
sub attrs {
	my ($what, $type, $p) = @_;
	my ($flags, $fd) = ("?", -1);
	my $opens = $type eq "f" || $type eq "d";
	if ($opens) {
		$fd = syscall($OPENAT, $AT_FDCWD, $p, $OPEN);
		if ($fd >= 0 && $what ne "x" && syscall($IOCTL, $fd, $GETFLAGS, $word) == 0) {
			my $v = unpack("L", $word);
			$flags = $letters{$v} //= join("", "-", map { $v & $_->[0] ? $_->[1] : () } @LETTERS);
		}
	}
	my @x;
	if ($what ne "f") {
		my $n = $fd >= 0 ? syscall($FLIST, $fd, $list, 65536) : syscall($LLIST, $p, $list, 65536);
		for my $name ($n > 0 ? split(/\0/, substr($list, 0, $n)) : ()) {
			my $m = $fd >= 0 ? syscall($FGET, $fd, $name, $value, 65536) : syscall($LGET, $p, $name, $value, 65536);
			push @x, unpack("H*", $name) . "=" . unpack("H*", substr($value, 0, $m)) if $m >= 0;
		}
	}
	syscall($CLOSE, $fd) if $fd >= 0;
	return "" if $flags eq "?" && !@x && !($opens && $what ne "x");
	return "K\0$p\0$flags\0" . join(" ", @x) . "\0";
}
my $mode = shift @ARGV;
my $what = $mode eq "paths" ? shift @ARGV : "b";
if ($mode eq "probe") {
	my $root = "/";
	my $fd = syscall($OPENAT, $AT_FDCWD, $root, $OPEN);
	exit 4 if $fd < 0;
	my $n = syscall($FLIST, $fd, $list, 65536);
	syscall($CLOSE, $fd);
	exit 4 if $n < 0 && $! + 0 != $EOPNOTSUPP;
	syswrite(STDOUT, "ok\0");
}
my @out;
$/ = "\0";
binmode STDIN;
binmode STDOUT;
while (defined(my $r = <STDIN>)) {
	chomp $r;
	if ($mode eq "walk") {
		push @out, attrs(substr($r, 0, 1), substr($r, 1, 1), substr($r, 2));
		next;
	}
	# An entry gone since the walk is answered too (flags not read), as the walk mode does.
	my @s = lstat $r;
	if (!@s) { push @out, "K\0$r\0?\0\0"; next; }
	my $t = $s[2] & 0170000;
	push @out, attrs($what, $t == 0100000 ? "f" : $t == 0040000 ? "d" : "o", $r);
}
print @out;
