# Driftwatch scanner, record protocol 1. The format is documented in docs/scanner-protocol.md.
#
# Fed on stdin to `sh -s -- ARGS` (locally or over SSH) so that nothing is written on the host.
# POSIX sh only: it must run under dash, bash and BusyBox ash.
#
# ARGS: PROTO JOBS NTARGETS (JOBS: parallel hash workers, 0 for one per core), then per target:
#   IDX ROOT MAXDEPTH XDEV NPRUNE PRUNE-WORDS... NINCLUDE INCLUDE-WORDS...
# The console builds PRUNE-WORDS and INCLUDE-WORDS as find(1) expression words, with every
# user-supplied path and pattern already glob-escaped. This script never evaluates a value it
# was given: `eval` only ever sees text that names positional parameters by number.
set -u
LC_ALL=C
export LC_ALL

[ "${1:-}" = 1 ] || { echo "driftwatch scanner: unsupported protocol ${1:-none}" >&2; exit 64; }
jobs=$2
ntargets=$3
shift 3
# Numbers go into eval'd text, so they must be plain digits.
number() { case $1 in '' | *[!0-9]*) echo "driftwatch scanner: bad argument '$1'" >&2; exit 64 ;; esac; }
number "$jobs"
number "$ntargets"
# JOBS 0: as many hash workers as the host has cores.
[ "$jobs" != 0 ] || jobs=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)

if command -v openssl >/dev/null 2>&1 && openssl dgst -sha256 -r /dev/null >/dev/null 2>&1; then
	hasher='openssl dgst -sha256 -r'
elif command -v sha256sum >/dev/null 2>&1; then
	hasher='sha256sum'
else
	echo "driftwatch scanner: no sha256 tool (openssl or sha256sum) on this host" >&2
	exit 65
fi
find / -maxdepth 0 -printf '' >/dev/null 2>&1 ||
	{ echo "driftwatch scanner: this host's find lacks -printf (GNU findutils needed)" >&2; exit 66; }

nl='
'
# Hash lines from parallel workers share one pipe, so each line must be a single write of at
# most PIPE_BUF (4096) bytes: names with a newline, or this long, are hashed one by one instead.
longpat=$(printf '%3900s' '' | tr ' ' '?')'*'

# select_target N "$@": read the target whose arguments start at positional parameter N of the
# script. Sets idx, root, next (where the following target starts), `sel` (the find command text
# up to and including the prune clause) and `inc` (the include filter). That text names the
# script's parameters by number; inside this function they sit one place later.
select_target() {
	o=$1
	eval "idx=\${$((o + 1))} root=\${$((o + 2))} maxdepth=\${$((o + 3))} xdev=\${$((o + 4))} np=\${$((o + 5))}"
	number "$idx"
	number "$np"
	[ -z "$maxdepth" ] || number "$maxdepth"
	sel="find \"\${$((o + 1))}\""
	[ -n "$maxdepth" ] && sel="$sel -maxdepth \"\${$((o + 2))}\""
	[ "$xdev" = 1 ] && sel="$sel -xdev"
	i=$((o + 5))
	if [ "$np" -gt 0 ]; then
		sel="$sel \\("
		while [ "$i" -lt $((o + 5 + np)) ]; do sel="$sel \"\${$i}\""; i=$((i + 1)); done
		sel="$sel \\) -prune -o"
	fi
	eval "ni=\${$((i + 1))}"
	number "$ni"
	i=$((i + 1))
	inc=""
	if [ "$ni" -gt 0 ]; then
		inc="\\( -path \"\${$((o + 1))}\""
		while [ "$i" -lt $((o + 6 + np + ni)) ]; do inc="$inc \"\${$i}\""; i=$((i + 1)); done
		inc="$inc \\)"
	fi
	next=$i
}

printf 'V\0%s\0' 1

# Pass 1: metadata of every selected entry, and the device numbers of devices.
fmt='%p\000%y\000%m\000%U\000%G\000%u\000%g\000%s\000%T@\000%C@\000%i\000%n\000%l\000'
o=1
t=0
while [ "$t" -lt "$ntargets" ]; do
	select_target "$o" "$@"
	o=$next
	t=$((t + 1))
	if [ ! -e "$root" ] && [ ! -h "$root" ]; then
		printf 'T\0%s\0missing\0' "$idx"
		continue
	fi
	printf 'T\0%s\0ok\0' "$idx"
	rec="E\\000$idx\\000$fmt"
	# Unreadable directories are recorded with their error and not entered; unreadable files with
	# theirs; the rest only when they pass the include filter (the root always does).
	eval "$sel \
		-type d ! -readable -printf '${rec}Permission denied (directory not listable)\\000' -prune -o \
		$inc -type f ! -readable -printf '${rec}Permission denied\\000' -o \
		$inc -printf '${rec}\\000'" 2>/dev/null
	eval "$sel $inc \\( -type b -o -type c \\) -exec stat --printf 'D\\0%n\\0%t:%T\\0' {} +" 2>/dev/null
done

# Pass 2: sha256 of readable regular files, in parallel. awk's fflush makes each line one write.
printf 'S\0'
o=1
t=0
while [ "$t" -lt "$ntargets" ]; do
	select_target "$o" "$@"
	o=$next
	t=$((t + 1))
	[ -e "$root" ] || continue
	eval "$sel -type d ! -readable -prune -o \
		$inc -type f -readable ! -path \"\$longpat\" ! -path \"*\$nl*\" -print0" 2>/dev/null |
		xargs -0 -r -n 64 -P "$jobs" sh -c "$hasher \"\$@\" 2>/dev/null | awk '{ print; fflush() }'" sh
done
printf '.\n'

# Names the line format cannot carry: hashed one file at a time, framed by NULs.
o=1
t=0
while [ "$t" -lt "$ntargets" ]; do
	select_target "$o" "$@"
	o=$next
	t=$((t + 1))
	[ -e "$root" ] || continue
	eval "$sel -type d ! -readable -prune -o \
		$inc -type f -readable \\( -path \"\$longpat\" -o -path \"*\$nl*\" \\) -exec sh -c '
			for f; do h=\$($hasher < \"\$f\" 2>/dev/null) && printf \"N\\0%s\\0%s\\0\" \"\$f\" \"\${h%% *}\"; done
		' sh {} +" 2>/dev/null
done

printf 'Z\0'
