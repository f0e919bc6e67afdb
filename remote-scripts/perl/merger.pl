# perl -e "$merger" NFIELDS: passes on whole records, of NFIELDS NUL-terminated fields each, from
# stdin and from descriptor 4 as they come, so that two walks share the stream without one
# cutting a record of the other. A record cut short at the end fails it.

use strict;
my $n = shift;
open(my $second, "<&=", 4) or die "descriptor 4: $!\n";
# Per input: handle, bytes not passed on yet, NULs among them (of a record begun), ended.
my @in = ([\*STDIN, "", 0, 0], [$second, "", 0, 0]);
binmode($_->[0]) for @in;
binmode(STDOUT);
sub out {
	my ($s, $len) = @_;
	for (my $o = 0; $o < $len;) {
		my $w = syswrite(STDOUT, $s, $len - $o, $o);
		if (!defined $w) { next if $!{EINTR}; die "write: $!\n"; }
		$o += $w;
	}
}
while (@in) {
	my $rin = "";
	vec($rin, fileno($_->[0]), 1) = 1 for @in;
	my $rout = $rin;
	if (select($rout, undef, undef, undef) < 0) { next if $!{EINTR}; die "select: $!\n"; }
	for my $s (@in) {
		next unless vec($rout, fileno($s->[0]), 1);
		my $got = sysread($s->[0], my $chunk, 65536);
		if (!defined $got) { next if $!{EINTR}; die "read: $!\n"; }
		if ($got == 0) {
			die "a record cut short\n" if length $s->[1];
			$s->[3] = 1;
			next;
		}
		$s->[1] .= $chunk;
		$s->[2] = ($s->[2] + ($chunk =~ tr/\0//)) % $n;
		# The end of the last whole record: the NUL before those of the record begun.
		my ($need, $end) = ($s->[2] + 1, length $s->[1]);
		while ($need > 0 && $end > 0) {
			$end = rindex($s->[1], "\0", $end - 1);
			last if $end < 0;
			$need--;
		}
		next if $need > 0;
		out($s->[1], $end + 1);
		substr($s->[1], 0, $end + 1) = "";
	}
	@in = grep { !$_->[3] } @in;
}
