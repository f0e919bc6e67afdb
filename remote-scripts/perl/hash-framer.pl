# The hash workers' framer, where the host has perl: HASHER-WORDS -- FILE... runs the hasher once
# on the files (no shell) and writes a line per file in the order given: "SHA256 *FILE" for each
# file it hashed, "!REASON *FILE" for a file that cannot be opened (REASON the host's own error),
# nothing for a file it opened but got no hash of (the console then asks again, then fails the
# scan). Lines are written whole in writes below PIPE_BUF (4096), so that parallel workers
# sharing one pipe never cut into each other's lines; a name longer than 3,900 bytes or holding
# a newline never comes here (programs/hash-one.sh hashes those).

use strict;
my @cmd;
while (@ARGV) { my $w = shift @ARGV; last if $w eq "--"; push @cmd, $w; }
my @files = @ARGV;
binmode STDOUT;
my $buf = "";
sub flush {
	for (my $o = 0; $o < length $buf;) {
		my $w = syswrite(STDOUT, $buf, length($buf) - $o, $o);
		if (!defined $w) { next if $!{EINTR}; exit 2; }
		$o += $w;
	}
	$buf = "";
}
sub put { flush() if length($buf) + length($_[0]) > 3900; $buf .= $_[0]; }
my $next = 0;
# A line of the hasher: (SHA256, NAME), the escaped form of GNU sha256sum undone; () for anything else.
sub parsed {
	my $l = shift;
	chomp $l;
	my $esc = $l =~ s/^\\//;
	return () unless $l =~ /^([0-9a-f]{64}) [ *](.*)$/s;
	my ($sum, $name) = ($1, $2);
	$name =~ s/\\(.)/$1 eq "n" ? "\n" : $1 eq "r" ? "\r" : $1/ge if $esc;
	return ($sum, $name);
}
# A file the hasher passed over: its error if it cannot be opened as a regular file; if it can
# (replaced while the batch ran), hashed alone, up to three times.
sub missed {
	my $f = shift;
	for (1 .. 3) {
		my @s = lstat $f;
		if (!@s) { put("!$! *$f\n"); return; }
		if (($s[2] & 0170000) != 0100000) { put("!no longer a regular file *$f\n"); return; }
		my $fh;
		if (!open($fh, "<", $f)) { put("!$! *$f\n"); return; }
		close $fh;
		if (open(my $h, "-|", @cmd, $f)) {
			my $l = <$h>;
			close $h;
			my ($sum, $name) = defined $l ? parsed($l) : ();
			if (defined $name && $name eq $f) { put("$sum *$f\n"); return; }
		}
	}
}
open(STDERR, ">", "/dev/null");
if (open(my $h, "-|", @cmd, @files)) {
	binmode $h;
	while (my $l = <$h>) {
		my ($sum, $name) = parsed($l);
		next unless defined $name;
		my $k = $next;
		$k++ while $k < @files && $files[$k] ne $name;
		next if $k == @files;
		missed($files[$next++]) while $next < $k;
		put("$sum *$name\n");
		$next++;
	}
	close $h;
}
missed($files[$next++]) while $next < @files;
flush();
