# The attributes beyond stat(2) in one process, where the host has perl (perl-base is on every
# Debian system): extended attributes (llistxattr/lgetxattr, through the open file where it can)
# and ext flags (FS_IOC_GETFLAGS, the ioctl lsattr uses), without a tool started per batch. perl
# has no functions for either, so it makes the system calls itself: only on the architectures
# whose numbers are listed (anything else, or a failed probe, keeps the tools). Like lsattr, it
# opens only regular files and directories, non-blocking and without following a link.
# Arguments: probe (prints ok); walk (input: WHAT TYPE PATH, NUL-terminated, TYPE as find's %y);
# paths WHAT (input: NUL-terminated paths, their type read by lstat). WHAT: b both, x extended
# attributes, f flags. Output, held until the input ends (so it never interleaves with the walk's
# records): K PATH FLAGS XATTRS, FLAGS being lsattr's letters ("-" for none, "?" not read) and
# XATTRS "HEXNAME=HEXVALUE" pairs, space-separated; for files and directories asked for flags,
# and for any entry that has extended attributes.

use strict;
use Config;
use Fcntl qw(O_RDONLY O_NONBLOCK O_NOFOLLOW O_NOCTTY);
# The kernel interface, each number next to the Linux header it comes from (so that a change there
# can be checked against it). perl has no function for these calls: it makes them by number.
# System call numbers (64-bit perl only): x86_64 from arch/x86/entry/syscalls/syscall_64.tbl;
# aarch64 from include/uapi/asm-generic/unistd.h (arm64 uses the generic table).
my %nr = (
	#          openat ioctl close llistxattr flistxattr lgetxattr fgetxattr
	x86_64  => [257,  16,   3,    195,       196,       192,      193],
	aarch64 => [56,   29,   57,   12,        13,        9,        10],
);
my ($arch) = $Config{archname} =~ /^(x86_64|aarch64)-linux/;
exit 3 unless defined $arch && $Config{ptrsize} == 8;
my ($OPENAT, $IOCTL, $CLOSE, $LLIST, $FLIST, $LGET, $FGET) = @{$nr{$arch}};
# AT_FDCWD, include/uapi/linux/fcntl.h.
my $AT_FDCWD = -100;
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
my $OPEN = O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY;
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
if ($mode eq "probe") {
	my $root = "/";
	my $fd = syscall($OPENAT, $AT_FDCWD, $root, $OPEN);
	exit 4 if $fd < 0;
	my $n = syscall($FLIST, $fd, $list, 65536);
	syscall($CLOSE, $fd);
	exit 4 if $n < 0 && !$!{EOPNOTSUPP};
	print "ok";
	exit 0;
}
my $what = $mode eq "paths" ? shift @ARGV : "";
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
