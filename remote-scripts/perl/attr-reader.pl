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
# openat ioctl close llistxattr flistxattr lgetxattr fgetxattr
my %nr = (x86_64 => [257, 16, 3, 195, 196, 192, 193], aarch64 => [56, 29, 57, 12, 13, 9, 10]);
my ($arch) = $Config{archname} =~ /^(x86_64|aarch64)-linux/;
exit 3 unless defined $arch && $Config{ptrsize} == 8;
my ($OPENAT, $IOCTL, $CLOSE, $LLIST, $FLIST, $LGET, $FGET) = @{$nr{$arch}};
my $GETFLAGS = 0x80086601;
my @LETTERS = ([0x1, "s"], [0x2, "u"], [0x8, "S"], [0x10000, "D"], [0x10, "i"], [0x20, "a"], [0x40, "d"], [0x80, "A"],
	[0x4, "c"], [0x800, "E"], [0x4000, "j"], [0x8000, "t"], [0x20000, "T"], [0x800000, "C"], [0x2000000, "x"],
	[0x40000000, "F"], [0x20000000, "P"], [0x100000, "V"], [0x400, "m"]);
my %letters;
my $OPEN = O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY;
my ($list, $value, $word) = ("\0" x 65536, "\0" x 65536, "\0" x 8);
sub attrs {
	my ($what, $type, $p) = @_;
	my ($flags, $fd) = ("?", -1);
	my $opens = $type eq "f" || $type eq "d";
	if ($opens) {
		$fd = syscall($OPENAT, -100, $p, $OPEN);
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
	my $fd = syscall($OPENAT, -100, $root, $OPEN);
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
