# Driftwatch scanner, record protocol 3. The format is documented in docs/scanner-protocol.md.
#
# Fed on stdin to `sh -s -- ARGS` (locally or over SSH) so that nothing is written on the host.
# POSIX sh only: it runs under dash, bash and BusyBox ash, with GNU find (-printf), a find without
# -printf (GNU or BusyBox) plus stat -c, and whichever of openssl/sha256sum, getfattr, getfacl,
# getcap, lsattr, od the host has. What the host offers is reported first (P records).
# A tool the scan relies on is checked on a known input first (a hasher on "abc", find, xargs, od,
# perl): a host's awk, sha256sum or perl may be missing, replaced or broken. A tool that fails
# its check is reported (fact checks-failed) and not used; hashing and record framing use no
# text tool (awk, sed) at all.
#
# ARGS: PROTO MODE ...
#   3 preflight
#   3 scan JOBS NICE HASH NTARGETS, then per target:
#        IDX ROOT MAXDEPTH XDEV CONTENT NPRUNE PRUNE-WORDS... NINCLUDE INCLUDE-WORDS...
#   3 list JOBS NICE NHASH PATH... NCONTENT (LIMIT PATH)...
# JOBS: parallel hash workers, 0 for one per core. NICE: 1 to lower CPU and I/O priority.
# HASH: 0 to skip hashing and file content (the metadata pass of a quick scan). CONTENT: the
# content size limit of the target's files in bytes, 0 for none.
# The console builds PRUNE-WORDS and INCLUDE-WORDS as find(1) expression words, with every
# user-supplied path and pattern already glob-escaped. This script never evaluates a value it
# was given: `eval` only ever sees text that names positional parameters and variables by name.
set -u
LC_ALL=C
TZ=UTC
QUOTING_STYLE=literal
export LC_ALL TZ QUOTING_STYLE

fail() {
	echo "driftwatch scanner: $2" >&2
	exit "$1"
}
[ "${1:-}" = 3 ] || fail 64 "unsupported protocol ${1:-none} (this scanner speaks 3)"
[ $# -ge 2 ] || fail 64 "no mode given"
mode=$2
shift 2
# Numbers go into eval'd text, so they must be plain digits.
number() { case $1 in '' | *[!0-9]*) fail 64 "bad argument '$1'" ;; esac; }
have() { command -v "$1" >/dev/null 2>&1; }
fact() { printf 'P\0%s\0%s\0' "$1" "$2"; }

nl='
'
printf 'V\0%s\0' 3

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
# shellcheck disable=SC2016
attrhelper='@perl/attr-reader.pl'

# The hash workers' framer, where the host has perl: HASHER-WORDS -- FILE... runs the hasher once
# on the files (no shell) and writes a line per file in the order given: "SHA256 *FILE" for each
# file it hashed, "!REASON *FILE" for a file that cannot be opened (REASON the host's own error),
# nothing for a file it opened but got no hash of (the console then asks again, then fails the
# scan). Lines are written whole in writes below PIPE_BUF (4096), so that parallel workers
# sharing one pipe never cut into each other's lines; a name longer than 3,900 bytes or holding
# a newline never comes here (hashone).
# shellcheck disable=SC2016
hashrun='@perl/hash-framer.pl'

# ---------------------------------------------------------------------------------------------
# Pre-flight: what this host offers. Every probe is cheap and writes nothing.
if [ -n "${BASH_VERSION:-}" ]; then
	shell="bash $BASH_VERSION"
else
	shell=$(readlink "/proc/$$/exe" 2>/dev/null) || shell=unknown
	case $shell in *busybox*) shell="busybox ash" ;; *) shell=${shell##*/} ;; esac
fi
# Each probe that starts a program costs ~1 ms of CPU, per server and per scan: a host with GNU
# find answers -printf, -readable and writing to an inherited descriptor (/dev/fd/4, which needs
# /proc) in one; only where that fails is each asked alone.
readable=
fdok=0
# Tools that failed their check on a known input, space-separated (fact checks-failed).
broken=
# The probe must also print what find prints: "/" is a directory.
if [ "$( (find / -maxdepth 0 -readable -printf '%y%p' -fprint0 /dev/fd/4 4>/dev/null) 2>/dev/null)" = d/ ]; then
	findf=gnu-printf readable=-readable fdok=1
else
	if [ "$(find / -maxdepth 0 -printf '%y%p' 2>/dev/null)" = d/ ]; then
		findf=gnu-printf
	elif find --version 2>/dev/null | grep GNU >/dev/null 2>&1; then
		findf=gnu
	elif find --help 2>&1 | grep BusyBox >/dev/null 2>&1; then
		findf=busybox
	elif have find; then
		findf=other
	else
		findf=none
	fi
	find / -maxdepth 0 -readable >/dev/null 2>&1 && readable=-readable
	[ "$findf" = gnu-printf ] && (find / -maxdepth 0 -fprint0 /dev/fd/4 4>/dev/null) >/dev/null 2>&1 && fdok=1
fi
case $(stat --version 2>/dev/null) in
*GNU*) statf=gnu ;;
*)
	if stat -c '%f' / >/dev/null 2>&1; then
		case $(stat --help 2>&1) in *BusyBox*) statf=busybox ;; *) statf=other ;; esac
	else
		statf=none
	fi
	;;
esac
# checked NAME COMMAND...: COMMAND, given "abc" on stdin, prints the sha256 of "abc" first.
abc=ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
checked() {
	c=$1
	shift
	have "$1" || return 1
	case $(printf abc | "$@" 2>/dev/null) in "$abc"*) return 0 ;; esac
	broken="$broken $c"
	return 1
}
hashers=
checked openssl openssl dgst -sha256 -r && hashers=openssl
checked sha256sum sha256sum && hashers="${hashers:+$hashers }sha256sum"
# openssl is the faster of the two where both exist (docs/scanner-protocol.md has the measurements).
case $hashers in
openssl*) hasher='openssl dgst -sha256 -r' ;;
sha256sum) hasher=sha256sum ;;
*) hasher= ;;
esac
cores=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
case $cores in '' | *[!0-9]* | 0) cores=1 ;; esac
# xargs hands the names on whole, NUL-terminated, spaces and all.
xargsok=0
if [ "$(printf 'a\0b c\0' | xargs -0 -r sh -c 'printf "%s|" "$@"' sh 2>/dev/null)" = 'a|b c|' ]; then
	xargsok=1
elif have xargs; then
	broken="$broken xargs"
fi
parallel=0
[ "$xargsok" = 1 ] && xargs -r -P 2 true </dev/null >/dev/null 2>&1 && parallel=1
# od for kept content, where it prints bytes as od does.
odok=no
case $(printf AB | od -An -v -tx1 2>/dev/null) in
*"41 42"*) odok=yes ;;
*) have od && broken="$broken od" ;;
esac
tool() { if have "$1"; then fact "$1" "${2:-yes}"; else fact "$1" no; fi; }

fact protocol 3
fact shell "$shell"
fact find "$findf"
fact stat "$statf"
fact hashers "${hashers:-none}"
fact hasher "${hasher%% *}"
fact cores "$cores"
fact xargs-parallel "$parallel"
for t in getfattr getfacl getcap lsattr gzip nice renice ionice; do tool "$t"; done
fact od "$odok"
# perl as the attribute reader where it can make the system calls (attrhelper above), and as the
# hash workers' framer (hashrun below) where it frames the hash of a known file as expected.
perlattrs=no
perlhash=no
if have perl; then
	[ "$(perl -e "$attrhelper" probe 2>/dev/null)" = ok ] && perlattrs=yes
	# shellcheck disable=SC2086
	if [ -z "$hasher" ]; then
		:
	elif [ "$(perl -e "$hashrun" $hasher -- /dev/null 2>/dev/null)" = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 */dev/null" ]; then
		perlhash=yes
	else
		broken="$broken perl"
	fi
fi
fact perl "$perlattrs"
fact perl-hash "$perlhash"
# The uid from the kernel (a host's `id` may be replaced); the name from id where it looks like one.
uid=
while read -r k v _; do
	if [ "$k" = Uid: ]; then
		uid=$v
		break
	fi
done </proc/self/status 2>/dev/null
idout=$(id 2>/dev/null) || idout=
[ -n "$uid" ] || {
	uid=${idout#uid=}
	uid=${uid%%[!0-9]*}
}
case $uid in '' | *[!0-9]*) uid='?' ;; esac
user=unknown
case $idout in
"uid=$uid("*)
	user=${idout#"uid=$uid("}
	user=${user%%)*}
	case $user in '' | *[!A-Za-z0-9._-]*) user=unknown ;; esac
	;;
esac
if have sudo; then
	if [ "$uid" = 0 ]; then
		fact sudo "yes (running as root)"
	elif [ "$mode" = preflight ]; then
		if sudo -n true >/dev/null 2>&1; then fact sudo "yes, without password"; else fact sudo "yes, needs a password"; fi
	else
		fact sudo yes
	fi
else
	fact sudo no
fi
fact user "$user ($uid)"
kernel=
{ read -r ostype </proc/sys/kernel/ostype && read -r osrelease </proc/sys/kernel/osrelease && kernel="$ostype $osrelease"; } 2>/dev/null
[ -n "$kernel" ] || kernel=$(uname -sr 2>/dev/null) || kernel=unknown
fact kernel "$kernel"
fact time "$(date +%s 2>/dev/null || echo unknown)"
if [ -e /sys/fs/selinux/enforce ]; then fact selinux-enabled yes; else fact selinux-enabled no; fi
if [ "$findf" = gnu-printf ]; then
	meta=printf
elif [ "$statf" != none ] && [ "$findf" != none ]; then
	meta=stat
else
	meta=none
fi
fact meta "$meta"
# GNU find can write the list of files to hash to an inherited pipe (-fprint0 /dev/fd/4) in the
# same walk that prints the metadata; that needs /dev/fd (Linux: /proc mounted).
walks=several
[ "$meta" = printf ] && [ "$fdok" = 1 ] && walks=one
fact walks "$walks"
fact checks-failed "${broken# }"

if [ "$mode" = preflight ]; then
	printf 'Z\0'
	exit 0
fi
# Every pass hands its names on through xargs.
[ "$xargsok" = 1 ] || fail 67 "xargs on this host is missing or failed its check (names given NUL-terminated must reach the command whole)"

# merger NFIELDS (perl): passes on whole records, of NFIELDS NUL-terminated fields each, from
# stdin and from descriptor 4 as they come, so that two walks share the stream without one
# cutting a record of the other. A record cut short at the end fails it.
# shellcheck disable=SC2016
merger='@perl/merger.pl'
# ---------------------------------------------------------------------------------------------
# Common settings of scan and list modes.
[ $# -ge 2 ] || fail 64 "missing arguments"
jobs=$1
gentle=$2
shift 2
number "$jobs"
number "$gentle"
# JOBS 0: as many hash workers as the host has cores.
[ "$jobs" != 0 ] || jobs=$cores
number "$jobs"
[ "$parallel" = 1 ] || jobs=1
fact jobs "$jobs"
if [ "$gentle" = 1 ]; then
	# Children inherit both: find, stat, the hashers and every other tool run gently.
	if renice -n 10 -p $$ >/dev/null 2>&1; then fact niced 10; else fact niced no; fi
	if ionice -c 2 -n 7 -p $$ >/dev/null 2>&1; then fact ioniced best-effort:7; else fact ioniced no; fi
fi

# Hash lines from parallel workers share one pipe, so each line must be a single write of at
# most PIPE_BUF (4096) bytes: names with a newline, or longer than 3,900 bytes, are hashed one
# by one instead (N records). GNU find tests the length with a regex, others with a glob.
if [ "$findf" = gnu ] || [ "$findf" = gnu-printf ]; then
	longtest="-regextype posix-extended -regex '.{3900}.*'"
else
	# 3,900 question marks, built by doubling (no text tool).
	longpat='' piece='?' n=3900
	while [ "$n" -gt 0 ]; do
		[ $((n % 2)) = 1 ] && longpat="$longpat$piece"
		piece="$piece$piece" n=$((n / 2))
	done
	longpat="$longpat*"
	longtest="-path \"\$longpat\""
fi
# hash_files: a hash line (or an error line) for each NUL-terminated name on stdin. With perl,
# JOBS workers at once, each framed by hashrun; without it one hasher at a time, so that its
# lines reach the pipe whole and in order (the console asks again for a file without a line,
# and then fails the scan: it never takes a missing hash for a change).
hash_files() {
	if [ "$perlhash" = yes ]; then
		# shellcheck disable=SC2086
		xargs -0 -r -P "$jobs" perl -e "$hashrun" $hasher -- 2>/dev/null
	else
		# shellcheck disable=SC2086
		xargs -0 -r $hasher 2>/dev/null
	fi
}
# One name at a time: N PATH SHA256, or F PATH REASON when the file cannot be hashed (gone, no
# longer a regular file, not readable); nothing when the hasher failed three times on a file it
# could read (a file replaced under it is asked again).
# shellcheck disable=SC2016
hashone='for f; do
	n=0 r=
	while [ $n -lt 3 ]; do
		n=$((n + 1))
		if h=$('"$hasher"' < "$f" 2>/dev/null); then
			case ${h%% *} in ????????????????????????????????????????????????????????????????) printf "N\0%s\0%s\0" "$f" "${h%% *}"; r=; break ;; esac
		fi
		if [ ! -e "$f" ] && [ ! -h "$f" ]; then r="No such file or directory"
		elif [ -h "$f" ] || [ ! -f "$f" ]; then r="no longer a regular file"
		elif [ ! -r "$f" ]; then r="Permission denied"
		else r=; continue; fi
		break
	done
	[ -z "$r" ] || printf "F\0%s\0%s\0" "$f" "$r"
done'
# File content as hex (od), for targets with a content limit: O PATH <od lines> \0 STATUS.
# shellcheck disable=SC2016
contentone='lim=$1; shift; for f; do printf "O\0%s\0" "$f"; od -An -v -tx1 -N "$lim" -- "$f" 2>/dev/null; s=$?; printf "\0%s\0" "$s"; done'

# Metadata without -printf: one stat -c per batch of names. The batch is sent whole when stat
# succeeded for every name and printed exactly one line each (no newline in a name or link
# target); otherwise each name is stat'ed on its own. The console knows each name exactly (the
# NUL-framed list), so it can take the link target out of %N. X IDX N NAME... TEXT FLAGS.
# shellcheck disable=SC2016
statbatch='
idx=$1
shift
fmt="%f %u %g %s %Y %y %Z %z %i %h %t %T %N"
out=$(stat -c "$fmt" -- "$@" 2>/dev/null && echo x)
case $out in
*x)
	out=${out%x}
	n=$(printf %s "$out" | wc -l)
	if [ $n -eq $# ]; then
		printf "X\0%s\0%s\0" "$idx" $#
		printf "%s\0" "$@"
		printf "%s\0" "$out"
		for f; do if [ -r "$f" ]; then printf r; else printf u; fi; done
		printf "\0"
		exit 0
	fi
	;;
esac
for f; do
	out=$(stat -c "$fmt" -- "$f" 2>/dev/null && echo x) || continue
	case $out in *x) ;; *) continue ;; esac
	printf "X\0%s\0%s\0%s\0%s\0" "$idx" 1 "$f" "${out%x}"
	if [ -r "$f" ]; then printf "r\0"; else printf "u\0"; fi
done'
# lsattr -d: L STATUS N NAME... TEXT, TEXT being "FLAGS NAME\n" for each name lsattr could read,
# in order. When lsattr failed for some name and some name holds a newline, each name goes alone.
# shellcheck disable=SC2016
lsattrbatch='
out=$(lsattr -d "$@" 2>/dev/null && echo x)
case $out in
*x) st=0 out=${out%x} ;;
*)
	st=1
	case "$*" in
	*"
"*)
		for f; do
			out=$(lsattr -d "$f" 2>/dev/null && echo x) || continue
			case $out in *x) printf "L\0%s\0%s\0%s\0%s\0" 0 1 "$f" "${out%x}" ;; esac
		done
		exit 0
		;;
	esac
	[ -n "$out" ] && out="$out
"
	;;
esac
printf "L\0%s\0%s\0" $st $#
printf "%s\0" "$@"
printf "%s\0" "$out"'
# lsattr -d on names without a newline, its output sent as it is: A flags, "FLAGS NAME" lines.
# shellcheck disable=SC2016
flagsbatch='printf "A\0flags\0"; lsattr -d "$@" 2>/dev/null; printf "\0"'
# getcap prints only files that have capabilities: almost always nothing for a whole batch.
# A batch with some is halved until each such file is asked alone, so that its name is known
# exactly. C NAME CAPS.
# shellcheck disable=SC2016
capsbatch='
caps() {
	out=$(getcap "$@" 2>/dev/null)
	[ -n "$out" ] || return 0
	if [ $# -eq 1 ]; then
		printf "C\0%s\0%s\0" "$1" "${out#"$1"}"
		return 0
	fi
	(
		n=$#
		h=$((n / 2))
		i=0
		for f; do
			i=$((i + 1))
			[ $i -le $h ] && set -- "$@" "$f"
		done
		shift $n
		caps "$@"
	)
	shift $(($# / 2))
	caps "$@"
}
caps "$@"'
# getfattr and getfacl escape names themselves: their output is sent as it is, in a section.
# shellcheck disable=SC2016
xattrbatch='printf "A\0xattrs\0"; getfattr -h -d -m - -e hex --absolute-names "$@" 2>/dev/null; printf "\0"'
# shellcheck disable=SC2016
aclbatch='printf "A\0acl\0"; getfacl -s -n -p -E "$@" 2>/dev/null; printf "\0"'
# shellcheck disable=SC2016
devbatch='stat --printf "D\0%n\0%t:%T\0" "$@"'

# ---------------------------------------------------------------------------------------------
if [ "$mode" = list ]; then
	# The second run of a quick scan, for the entries that changed since the last full scan: hash
	# files, read content, and read the attributes beyond stat(2) and device numbers, each of the
	# paths listed. Arguments: NHASH PATH... NCONTENT (LIMIT PATH)... NATTR PATH... NFLAGS PATH...
	# NDEV PATH...
	# take N "$@": the first N arguments, NUL-terminated.
	take() {
		n=$1
		shift
		i=0
		for f; do
			[ "$i" -lt "$n" ] || break
			i=$((i + 1))
			printf '%s\0' "$f"
		done
	}
	number "${1:-}"
	nh=$1
	shift
	[ "$nh" = 0 ] || [ -n "$hasher" ] || fail 65 "no working sha256 tool on this host (openssl or sha256sum; tools that failed their check:${broken:- none})"
	# With perl, the workers report the files they cannot hash; without it, each file is hashed
	# alone so that its error can be told (a list run holds only the files that changed).
	if [ "$perlhash" = yes ]; then
		printf 'H\0'
		i=0
		for f; do
			[ "$i" -lt "$nh" ] || break
			i=$((i + 1))
			case $f in *"$nl"*) continue ;; esac
			[ ${#f} -gt 3900 ] && continue
			printf '%s\0' "$f"
		done | hash_files
		printf '\0'
	fi
	i=0
	for f; do
		[ "$i" -lt "$nh" ] || break
		i=$((i + 1))
		if [ "$perlhash" = yes ] && [ ${#f} -le 3900 ]; then case $f in *"$nl"*) ;; *) continue ;; esac; fi
		printf '%s\0' "$f"
	done | xargs -0 -r sh -c "$hashone" sh
	shift "$nh"
	number "${1:-}"
	nc=$1
	shift
	i=0
	while [ "$i" -lt "$nc" ]; do
		number "$1"
		# An od that failed its check is not used (fact od): the console then keeps no content.
		[ "$odok" = yes ] && sh -c "$contentone" sh "$1" "$2"
		shift 2
		i=$((i + 1))
	done
	number "${1:-}"
	na=$1
	shift
	if [ "$na" -gt 0 ]; then
		if [ "$perlattrs" = yes ]; then
			take "$na" "$@" | perl -e "$attrhelper" paths x
		elif have getfattr; then
			take "$na" "$@" | xargs -0 -r sh -c "$xattrbatch" sh
		else
			have getfacl && take "$na" "$@" | xargs -0 -r sh -c "$aclbatch" sh
			have getcap && take "$na" "$@" | xargs -0 -r sh -c "$capsbatch" sh
		fi
	fi
	shift "$na"
	number "${1:-}"
	nf=$1
	shift
	if [ "$nf" -gt 0 ]; then
		if [ "$perlattrs" = yes ]; then
			take "$nf" "$@" | perl -e "$attrhelper" paths f
		elif have lsattr; then
			take "$nf" "$@" | xargs -0 -r sh -c "$lsattrbatch" sh
		fi
	fi
	shift "$nf"
	number "${1:-}"
	nd=$1
	shift
	[ "$nd" -gt 0 ] && take "$nd" "$@" | xargs -0 -r sh -c "$devbatch" sh 2>/dev/null
	printf 'Z\0'
	exit 0
fi

[ "$mode" = scan ] || fail 64 "unknown mode '$mode'"
[ "$meta" != none ] || fail 66 "this host has neither GNU find -printf nor find with stat -c"
[ $# -ge 2 ] || fail 64 "missing arguments"
hash=$1
ntargets=$2
shift 2
number "$hash"
number "$ntargets"
[ "$hash" = 0 ] || [ -n "$hasher" ] || fail 65 "no working sha256 tool on this host (openssl or sha256sum; tools that failed their check:${broken:- none})"

# glob_escape VALUE: sets `escaped` to VALUE with * ? [ ] \ quoted, so that -path matches it
# literally (the include filter's "the root itself": the root may hold glob characters).
glob_escape() {
	escaped='' rest=$1
	while [ -n "$rest" ]; do
		c=${rest%"${rest#?}"}
		rest=${rest#?}
		case $c in '*' | '?' | '[' | ']' | \\) escaped="$escaped\\$c" ;; *) escaped="$escaped$c" ;; esac
	done
}

# select_target N "$@": read the target whose arguments start at positional parameter N of the
# script. Sets idx, root, content, next (where the following target starts), `sel` (the find
# command text up to and including the prune clause) and `inc` (the include filter). That text
# names the script's parameters by number; inside this function they sit one place later.
select_target() {
	o=$1
	eval "idx=\${$((o + 1))} root=\${$((o + 2))} maxdepth=\${$((o + 3))} xdev=\${$((o + 4))} content=\${$((o + 5))} np=\${$((o + 6))}"
	number "$idx"
	number "$np"
	number "$content"
	[ -z "$maxdepth" ] || number "$maxdepth"
	sel="find \"\${$((o + 1))}\""
	[ -n "$maxdepth" ] && sel="$sel -maxdepth \"\${$((o + 2))}\""
	[ "$xdev" = 1 ] && sel="$sel -xdev"
	i=$((o + 6))
	if [ "$np" -gt 0 ]; then
		sel="$sel \\("
		while [ "$i" -lt $((o + 6 + np)) ]; do sel="$sel \"\${$i}\""; i=$((i + 1)); done
		sel="$sel \\) -prune -o"
	fi
	eval "ni=\${$((i + 1))}"
	number "$ni"
	i=$((i + 1))
	inc=""
	if [ "$ni" -gt 0 ]; then
		glob_escape "$root"
		root_pattern=$escaped
		inc="\\( -path \"\$root_pattern\""
		while [ "$i" -lt $((o + 7 + np + ni)) ]; do inc="$inc \"\${$i}\""; i=$((i + 1)); done
		inc="$inc \\)"
	fi
	next=$i
}
# each_target FUNCTION "$@": select each target in turn and call FUNCTION "$@".
each_target() {
	fn=$1
	shift
	o=1
	t=0
	while [ "$t" -lt "$ntargets" ]; do
		select_target "$o" "$@"
		o=$next
		t=$((t + 1))
		# The find text names the script's parameters by number: FUNCTION sees them as the script does.
		$fn "$@"
	done
}
# Every argument is checked before anything runs in the background.
next=1
each_target : "$@"
# After the targets, a quick scan's metadata pass may name directories for a second walk
# (split_walks): NSPLIT, then per target named TARGET-IDX NDIRS DIR-PATTERN...
nsplit=0
splitat=$next
splitdirs=0
if [ "$ntargets" != 0 ] && [ "$next" -le $# ]; then
	eval "nsplit=\${$next}"
	number "$nsplit"
	splitat=$((next + 1))
	next=$splitat
	k=0
	while [ "$k" -lt "$nsplit" ]; do
		[ $((next + 1)) -le $# ] || fail 64 "missing arguments in the split list"
		eval "sx=\${$next} sc=\${$((next + 1))}"
		number "$sx"
		number "$sc"
		[ "$sc" -gt 0 ] || fail 64 "a split of no directory"
		next=$((next + 2 + sc))
		[ "$next" -le $(($# + 1)) ] || fail 64 "missing arguments in the split list"
		splitdirs=$((splitdirs + sc))
		k=$((k + 1))
	done
fi
[ "$next" -eq $(($# + 1)) ] || [ "$ntargets" = 0 ] || fail 64 "unexpected arguments after the last target"
exists() { [ -e "$root" ] || [ -h "$root" ]; }
gnufind=0
[ "$findf" = gnu ] || [ "$findf" = gnu-printf ] && gnufind=1
# Directories that cannot be read are not entered (where find can tell).
skipdirs=
[ -n "$readable" ] && skipdirs="-type d ! -readable -prune -o"

# Pass 1: metadata of every selected entry.
fmt='%p\000%y\000%m\000%U\000%G\000%s\000%T@\000%C@\000%i\000%n\000%l\000'
# begin_walk: the T record of the target; false when its root is missing (nothing to walk).
begin_walk() {
	if ! exists; then
		printf 'T\0%s\0missing\0' "$idx"
		return 1
	fi
	printf 'T\0%s\0ok\0' "$idx"
}
# meta_expr: sets `mexpr`, the find words after a target's selection that print its E records
# with -printf: E IDX, fmt's eleven fields and the error, fourteen NUL-terminated fields.
# Unreadable directories are recorded with their error and not entered; unreadable files with
# theirs; the rest only when they pass the include filter (the root always does).
meta_expr() {
	rec="E\\000$idx\\000$fmt"
	mexpr="-type d ! -readable -printf '${rec}Permission denied (directory not listable)\\000' -prune -o \
		$inc -type f ! -readable -printf '${rec}Permission denied\\000' -o \
		$inc -printf '${rec}\\000'"
}
# end_walk STATUS: the W record that closes the selected target's walk, with find's exit status
# (the console fails a walk that exited non-zero and recorded nothing).
end_walk() { printf 'W\0%s\0%s\0' "$idx" "$1"; }
meta_walk() {
	begin_walk || return 0
	if [ "$meta" = printf ]; then
		meta_expr
		eval "$sel $mexpr" 2>/dev/null
	else
		if [ "$gnufind" = 1 ]; then
			eval "$sel $inc -exec sh -c \"\$statbatch\" sh \"\$idx\" {} +" 2>/dev/null
		else
			# BusyBox find's -exec ... + can exceed the argument limit with long names: xargs does not.
			eval "$sel $inc -print0" 2>/dev/null | xargs -0 -r sh -c "$statbatch" sh "$idx" 2>/dev/null
		fi
	fi
	end_walk $?
}

# A quick scan's metadata pass as two walks at once, where the console named directories one
# level below some targets' roots (about half of the entries, judged from the last full scan:
# scan/walk-split.ts): the first walk prunes them, the second starts at the root too and prunes
# every other entry one level down. Both see the tree as one walk would, with the same -xdev,
# -maxdepth, exclusions and include filter, whatever a named directory has become meanwhile (a
# file, a link, a mount point, gone). perl (merger) passes on whole records of either walk.
# split_of IDX "$@": sets spos, where target IDX's DIR-PATTERNs start (numbered as the script
# numbers its parameters), and sn, how many (0: none).
split_of() {
	sn=0 spos=0
	i=$splitat k=0
	while [ "$k" -lt "$nsplit" ]; do
		eval "sx=\${$((i + 1))} sc=\${$((i + 2))}"
		if [ "$sx" = "$1" ]; then
			sn=$sc spos=$((i + 2))
			return 0
		fi
		i=$((i + 2 + sc)) k=$((k + 1))
	done
}
# split_words "$@": false when the selected target has no named directory; else sets rootpat
# (its root, glob-escaped), deep (what lies two levels or more below it) and sdirs (the -path
# tests of its named directories, naming the script's parameters).
split_words() {
	split_of "$idx" "$@"
	[ "$sn" -gt 0 ] || return 1
	glob_escape "$root"
	rootpat=$escaped
	if [ "$root" = / ]; then deep='/*/*'; else deep="$escaped/*/*"; fi
	sdirs="-path \"\${$spos}\""
	j=1
	while [ "$j" -lt "$sn" ]; do
		sdirs="$sdirs -o -path \"\${$((spos + j))}\""
		j=$((j + 1))
	done
}
split_begin() {
	if begin_walk; then eval "walked_$idx=1"; fi
}
# split_end: the W record of each target the two walks walked, once the merger (which fails the
# scan on a record cut short) is done; the finds' own statuses are not seen through the pipes.
split_end() {
	eval "[ \"\${walked_$idx:-}\" = 1 ]" || return 0
	end_walk 0
}
split_first() {
	eval "[ \"\${walked_$idx:-}\" = 1 ]" || return 0
	meta_expr
	if split_words "$@"; then
		eval "$sel \\( ! -path \"\$deep\" \\( $sdirs \\) -prune \\) -o $mexpr" 2>/dev/null
	else
		eval "$sel $mexpr" 2>/dev/null
	fi
}
split_second() {
	eval "[ \"\${walked_$idx:-}\" = 1 ]" || return 0
	split_words "$@" || return 0
	meta_expr
	eval "$sel -path \"\$rootpat\" -o \\( ! -path \"\$deep\" ! \\( $sdirs \\) -prune \\) -o $mexpr" 2>/dev/null
}
# The T records first: the merger passes on E records only.
split_walks() {
	each_target split_begin "$@"
	each_target split_second "$@" | {
		exec 4<&0
		each_target split_first "$@" </dev/null | perl -e "$merger" 14
	}
}

# Pass 2: everything else one walk can do: device numbers (-printf path), hashes of names a hash
# line cannot carry, content, and the attributes beyond stat(2) where the host has the tool. GNU
# find runs every action in one walk; BusyBox find runs -exec ... + only outside parentheses, so
# there each action walks on its own.
# action COND HANDLER [ARG]: run the sh -c script in variable HANDLER on batches of the entries
# that pass COND (empty: all), with ARG before the names. GNU find gathers every action into one
# walk (extra_walk evals it, where the positional parameters are the script's); other finds run
# -exec ... + only outside parentheses and may overflow the argument limit with it, so each
# action walks on its own and feeds xargs.
action() {
	if [ "$gnufind" = 1 ]; then
		x="-exec sh -c \"\$$2\" sh ${3:+\"\$$3\"} {} +"
		if [ -n "$1" ]; then actions="$actions \\( ! \\( $1 \\) -o $x \\)"; else actions="$actions \\( $x \\)"; fi
	else
		nact=$((nact + 1))
		eval "actc$nact=\$1 acth$nact=\$2 acta$nact=\${3:-}"
	fi
}
# add_actions: every per-entry action beyond the metadata, in turn to action().
add_actions() {
	[ "$meta" = printf ] && action '-type b -o -type c' devbatch
	if [ "$hash" = 1 ]; then
		# -readable last: it costs a system call, the other tests do not.
		action "-type f \\( $longtest -o -path \"*\$nl*\" \\) $readable" hashone
		[ "$content" -gt 0 ] && [ "$odok" = yes ] && action "-type f -size -$((content + 1))c $readable" contentone content
	fi
	# perl reads them all where it can: one_walk hands it the entries, extra_walk walks for it.
	[ "$perlattrs" = yes ] && return 0
	if have getfattr; then
		# xattrs, and also selinux, acl and caps: they are extended attributes too.
		action '' xattrbatch
	else
		have getfacl && action '! -type l' aclbatch
		have getcap && action '-type f' capsbatch
	fi
	if have lsattr; then
		# lsattr's own output for names without a newline; exact batches for the others.
		action "\\( -type f -o -type d \\) ! -path \"*\$nl*\"" flagsbatch
		action "\\( -type f -o -type d \\) -path \"*\$nl*\"" lsattrbatch
	fi
	return 0
}
extra_walk() {
	exists || return 0
	actions=
	nact=0
	add_actions
	[ -n "$actions" ] && eval "$sel $skipdirs $inc $actions" 2>/dev/null
	[ "$perlattrs" = yes ] && eval "$sel $skipdirs $inc -print0" 2>/dev/null | perl -e "$attrhelper" paths b
	k=1
	while [ "$k" -le "$nact" ]; do
		eval "c=\$actc$k h=\$acth$k a=\$acta$k"
		if [ -n "$c" ]; then c="\\( $c \\)"; fi
		eval "h=\$$h"
		if [ -n "$a" ]; then
			eval "a=\$$a"
			eval "$sel $skipdirs $inc $c -print0" 2>/dev/null | xargs -0 -r sh -c "$h" sh "$a" 2>/dev/null
		else
			eval "$sel $skipdirs $inc $c -print0" 2>/dev/null | xargs -0 -r sh -c "$h" sh 2>/dev/null
		fi
		k=$((k + 1))
	done
	return 0
}
# A full scan where GNU find can do it all (walks=one): one walk per target prints the metadata
# (as meta_walk), writes the files to hash to descriptor 4 (-fprint0: the hash workers' pipe) and
# runs the other actions (add_actions), each in batches. find flushes its own output before it
# runs a batch, so records never interleave.
one_walk() {
	begin_walk || return 0
	actions=
	add_actions
	rec="E\\000$idx\\000$fmt"
	# perl's list of entries (descriptor 5), where it reads the attributes.
	[ "$perlattrs" = yes ] && actions="$actions -fprintf /dev/fd/5 'b%y%p\\000'"
	eval "$sel \
		-type d ! -readable -printf '${rec}Permission denied (directory not listable)\\000' -prune -o \
		$inc \\( -type f \\( -readable -printf '${rec}\\000' \\( ! \\( $longtest \\) ! -path \"*\$nl*\" -fprint0 /dev/fd/4 -o -true \\) \
			-o -printf '${rec}Permission denied\\000' \\) -o -printf '${rec}\\000' \\) \
		$actions" 2>/dev/null
	end_walk $?
}
hash_list() {
	exists || return 0
	eval "$sel $skipdirs $inc -type f $readable ! \\( $longtest \\) ! -path \"*\$nl*\" -print0" 2>/dev/null
}

# Owner and group names: the databases once, rather than one lookup per entry.
names() {
	printf 'U\0'
	# getent prints C strings: only a file may hold a NUL.
	getent passwd 2>/dev/null || tr -d '\000' </etc/passwd 2>/dev/null
	printf '\0G\0'
	getent group 2>/dev/null || tr -d '\000' </etc/group 2>/dev/null
	printf '\0'
}

if [ "$hash" = 1 ] && [ "$walks" = one ]; then
	# One walk per target; the hash workers read its list of files from descriptor 4 meanwhile,
	# and their lines are held and written after the walks' records. Where perl reads the
	# attributes, the walks hand it their entries on descriptor 5.
	walk_all() {
		if [ "$perlattrs" = yes ]; then
			{
				names
				each_target one_walk "$@"
			} 5>&1 >&3 | perl -e "$attrhelper" walk 4>&-
		else
			names
			each_target one_walk "$@"
		fi
	}
	exec 3>&1
	hashes=$(walk_all "$@" 4>&1 >&3 | hash_files)
	printf 'H\0'
	[ -z "$hashes" ] || printf '%s\n' "$hashes"
	printf '\0'
elif [ "$hash" = 1 ]; then
	# Pass 3, at the same time as passes 1 and 2: sha256 of readable regular files, all targets
	# through one set of parallel workers. The other passes write the stream meanwhile; the hash
	# lines are held (a line per file) and written after them.
	exec 3>&1
	hashes=$(
		{
			names
			each_target meta_walk "$@"
			each_target extra_walk "$@"
		} >&3 &
		each_target hash_list "$@" | hash_files
		wait
	)
	printf 'H\0'
	[ -z "$hashes" ] || printf '%s\n' "$hashes"
	printf '\0'
else
	# The metadata pass of a quick scan: what else the entries hold is reused from the last full
	# scan where their ctime and inode did not move (any change to them moves ctime), or read by
	# the list run that follows.
	if [ "$splitdirs" -gt 0 ] && [ "$meta" = printf ] && [ "$jobs" -ge 2 ] && [ "$perlattrs" = yes ]; then
		fact split-walk "$splitdirs"
		names
		split_walks "$@" || fail 70 "the second walk's merger (perl) failed"
		each_target split_end "$@"
	else
		fact split-walk 0
		names
		each_target meta_walk "$@"
	fi
fi

printf 'Z\0'
